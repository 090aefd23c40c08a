"""The GitHub REST API, as far as the workflows need it. The only module that talks to GitHub.

`GitHub` is the interface the gate and publish steps use; `RestGitHub` implements it with the
standard library against ``$GITHUB_API_URL`` (so a test can point it at a local fake server).
Every call is scoped to one repository, ``owner/name``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from perfpages.errors import PerfpagesError

PAGE = 100  # the API's largest page


@dataclass(frozen=True)
class PullRequest:
    number: int
    state: str  # "open" or "closed"
    head_sha: str  # 40 hex
    head_repo: str  # owner/name the branch lives in; "" when that fork was deleted
    base_sha: str
    author_association: str  # OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, ...


@dataclass(frozen=True)
class WorkflowRun:
    """One run of a workflow, as GitHub reports it (the `workflow_run` payload or the runs list)."""

    id: int
    path: str  # the workflow file that ran, e.g. ".github/workflows/bench.yml"
    repository: str  # owner/name the run belongs to
    event: str  # what triggered it: push, pull_request_target, issue_comment, workflow_dispatch
    conclusion: str  # success, failure, cancelled, ... ("" while running)
    head_sha: str
    display_title: str  # the workflow's run-name

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> WorkflowRun:
        return cls(
            id=int(doc["id"]),
            path=str(doc.get("path") or "").split("@", 1)[0],
            repository=str((doc.get("repository") or {}).get("full_name") or ""),
            event=str(doc.get("event") or ""),
            conclusion=str(doc.get("conclusion") or ""),
            head_sha=str(doc.get("head_sha") or ""),
            display_title=str(doc.get("display_title") or ""),
        )


@dataclass(frozen=True)
class Artifact:
    id: int
    name: str
    expired: bool


@dataclass(frozen=True)
class IssueComment:
    id: int
    author: str
    body: str


class GitHub(Protocol):
    """What the gate and publish steps ask of GitHub, for one repository."""

    def pull_request(self, number: int) -> PullRequest: ...

    def pull_request_commits(self, number: int) -> tuple[str, ...]: ...

    def workflow_runs(self, workflow_file: str, limit: int) -> tuple[WorkflowRun, ...]: ...

    def artifacts(self, run_id: int) -> tuple[Artifact, ...]: ...

    def download_artifact(self, artifact_id: int) -> bytes: ...

    def issue_comments(self, number: int) -> tuple[IssueComment, ...]: ...

    def create_comment(self, number: int, body: str) -> None: ...

    def update_comment(self, comment_id: int, body: str) -> None: ...


class RestGitHub:
    """`GitHub` over HTTPS with a token (``$GH_TOKEN`` or ``$GITHUB_TOKEN``)."""

    def __init__(self, repository: str, api_url: str | None = None, token: str | None = None):
        self.repository = repository
        self.api_url = (api_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        self.token = token if token is not None else os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN")

    def pull_request(self, number: int) -> PullRequest:
        doc = self._json(f"pulls/{number}")
        head = doc.get("head") or {}
        return PullRequest(
            number=int(doc["number"]),
            state=str(doc.get("state") or ""),
            head_sha=str(head.get("sha") or ""),
            head_repo=str((head.get("repo") or {}).get("full_name") or ""),
            base_sha=str((doc.get("base") or {}).get("sha") or ""),
            author_association=str(doc.get("author_association") or ""),
        )

    def pull_request_commits(self, number: int) -> tuple[str, ...]:
        return tuple(str(c["sha"]) for c in self._pages(f"pulls/{number}/commits"))

    def workflow_runs(self, workflow_file: str, limit: int) -> tuple[WorkflowRun, ...]:
        name = urllib.parse.quote(workflow_file.rsplit("/", 1)[-1])
        doc = self._json(f"actions/workflows/{name}/runs?status=completed&per_page={min(limit, PAGE)}")
        return tuple(WorkflowRun.from_api(r) for r in doc.get("workflow_runs", [])[:limit])

    def artifacts(self, run_id: int) -> tuple[Artifact, ...]:
        doc = self._json(f"actions/runs/{run_id}/artifacts?per_page={PAGE}")
        return tuple(Artifact(int(a["id"]), str(a["name"]), bool(a.get("expired"))) for a in doc.get("artifacts", []))

    def download_artifact(self, artifact_id: int) -> bytes:
        # The API answers with a redirect to a signed storage address, which must not get the token.
        return self._request("GET", f"actions/artifacts/{artifact_id}/zip")

    def issue_comments(self, number: int) -> tuple[IssueComment, ...]:
        return tuple(
            IssueComment(int(c["id"]), str((c.get("user") or {}).get("login") or ""), str(c.get("body") or ""))
            for c in self._pages(f"issues/{number}/comments")
        )

    def create_comment(self, number: int, body: str) -> None:
        self._request("POST", f"issues/{number}/comments", {"body": body})

    def update_comment(self, comment_id: int, body: str) -> None:
        self._request("PATCH", f"issues/comments/{comment_id}", {"body": body})

    def _pages(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(1, 100):
            batch = self._json(f"{path}?per_page={PAGE}&page={page}")
            items.extend(batch)
            if len(batch) < PAGE:
                break
        return items

    def _json(self, path: str) -> Any:
        return json.loads(self._request("GET", path))

    def _request(self, method: str, path: str, body: dict | None = None) -> bytes:
        url = f"{self.api_url}/repos/{self.repository}/{path}"
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _opener().open(request, timeout=60) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise PerfpagesError(f"GitHub API {method} {url}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise PerfpagesError(f"GitHub API {method} {url}: {exc.reason}") from None


class _NoTokenOnRedirect(urllib.request.HTTPRedirectHandler):
    """Follow a redirect to another host without the Authorization header."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            new.remove_header("Authorization")
        return new


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoTokenOnRedirect)
