"""An in-memory `GitHub` for the gate and publish tests, and the same state served over HTTP.

The HTTP form answers the REST paths `RestGitHub` calls, so the workflow harness can run the
real `perfpages gate` / `publish-verify` / `post-comment` processes against it via GITHUB_API_URL.
"""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from perfpages.workflow.github import Artifact, IssueComment, PullRequest, WorkflowRun


def zip_folder(folder: Path) -> bytes:
    """What upload-artifact stores: the folder's files by path relative to it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@dataclass
class FakeGitHub:
    repository: str = "o/r"
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    commits: dict[int, list[str]] = field(default_factory=dict)
    runs: list[WorkflowRun] = field(default_factory=list)  # oldest first
    run_artifacts: dict[int, list[tuple[Artifact, bytes]]] = field(default_factory=dict)
    comments: dict[int, list[IssueComment]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def add_pull(self, pr: PullRequest, commits: list[str] | None = None) -> None:
        self.pulls[pr.number] = pr
        self.commits[pr.number] = commits or [pr.head_sha]

    def add_artifact(self, run_id: int, name: str, data: bytes) -> None:
        listed = self.run_artifacts.setdefault(run_id, [])
        listed.append((Artifact(1000 * run_id + len(listed), name, False), data))

    # The GitHub interface.
    def pull_request(self, number: int) -> PullRequest:
        self.calls.append(f"pull {number}")
        return self.pulls[number]

    def pull_request_commits(self, number: int) -> tuple[str, ...]:
        return tuple(self.commits.get(number, ()))

    def workflow_runs(self, workflow_file: str, limit: int) -> tuple[WorkflowRun, ...]:
        name = workflow_file.rsplit("/", 1)[-1]
        mine = [r for r in self.runs if r.path.rsplit("/", 1)[-1] == name and r.conclusion]
        return tuple(reversed(mine))[:limit]  # newest first, as the API lists them

    def artifacts(self, run_id: int) -> tuple[Artifact, ...]:
        return tuple(a for a, _ in self.run_artifacts.get(run_id, []))

    def download_artifact(self, artifact_id: int) -> bytes:
        return next(d for listed in self.run_artifacts.values() for a, d in listed if a.id == artifact_id)

    def issue_comments(self, number: int) -> tuple[IssueComment, ...]:
        return tuple(self.comments.get(number, []))

    def create_comment(self, number: int, body: str) -> None:
        listed = self.comments.setdefault(number, [])
        listed.append(IssueComment(len(listed) + 1 + 100 * number, "github-actions[bot]", body))

    def update_comment(self, comment_id: int, body: str) -> None:
        for listed in self.comments.values():
            for i, c in enumerate(listed):
                if c.id == comment_id:
                    listed[i] = IssueComment(c.id, c.author, body)

    # Served over HTTP.
    def serve(self) -> tuple[str, ThreadingHTTPServer]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def do_PATCH(self):
                self._answer("PATCH")

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                try:
                    status, payload = fake.route(method, self.path, body)
                except KeyError:
                    status, payload = 404, {"message": "Not Found"}
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}", server

    def route(self, method: str, path: str, body: dict | None):
        path, _, query = path.partition("?")
        self.calls.append(f"{method} {path}")
        prefix = f"/repos/{self.repository}/"
        if not path.startswith(prefix):
            raise KeyError(path)
        rest = path[len(prefix) :]
        page = int(dict(p.split("=") for p in query.split("&") if "=" in p).get("page", "1"))
        if m := re.fullmatch(r"pulls/(\d+)", rest):
            pr = self.pulls[int(m[1])]
            return 200, {
                "number": pr.number,
                "state": pr.state,
                "head": {"sha": pr.head_sha, "repo": {"full_name": pr.head_repo}},
                "base": {"sha": pr.base_sha},
                "author_association": pr.author_association,
            }
        if m := re.fullmatch(r"pulls/(\d+)/commits", rest):
            return 200, [{"sha": s} for s in self.commits[int(m[1])]] if page == 1 else []
        if m := re.fullmatch(r"actions/workflows/([^/]+)/runs", rest):
            return 200, {"workflow_runs": [run_json(r) for r in self.workflow_runs(m[1], 100)]}
        if m := re.fullmatch(r"actions/runs/(\d+)/artifacts", rest):
            listed = self.artifacts(int(m[1]))
            return 200, {"artifacts": [{"id": a.id, "name": a.name, "expired": a.expired} for a in listed]}
        if m := re.fullmatch(r"actions/artifacts/(\d+)/zip", rest):
            return 200, self.download_artifact(int(m[1]))
        if m := re.fullmatch(r"issues/(\d+)/comments", rest):
            if method == "POST":
                self.create_comment(int(m[1]), body["body"])
                return 201, {}
            listed = self.issue_comments(int(m[1])) if page == 1 else ()
            return 200, [{"id": c.id, "user": {"login": c.author}, "body": c.body} for c in listed]
        if (m := re.fullmatch(r"issues/comments/(\d+)", rest)) and method == "PATCH":
            self.update_comment(int(m[1]), body["body"])
            return 200, {}
        raise KeyError(path)


def pull_request_payload(number: int, head: str, base: str, head_repo: str, association: str, action="synchronize"):
    """A pull_request_target event's payload, as far as the gate reads it."""
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "author_association": association,
            "head": {"sha": head, "repo": {"full_name": head_repo}},
            "base": {"sha": base},
        },
    }


def run_json(run: WorkflowRun) -> dict:
    """A workflow run as the API (and the workflow_run payload) gives it."""
    return {
        "id": run.id,
        "path": run.path,
        "repository": {"full_name": run.repository},
        "event": run.event,
        "conclusion": run.conclusion,
        "head_sha": run.head_sha,
        "display_title": run.display_title,
    }
