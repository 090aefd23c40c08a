"""May this event run on the bare-metal machines, and at which exact commit?

The gate runs from the default branch's copy of the workflow (push, workflow_dispatch,
pull_request_target and issue_comment all use it), reads only GitHub's event payload and the API,
and never checks out or runs a pull request's code. It lets through:

- a push to the default branch, and a manual run (both need write access);
- a pull request from a branch of this repository whose author is trusted;
- any other pull request once a trusted maintainer comments ``/benchmark <sha>`` naming its
  current head: the SHA they reviewed. A later push needs a new approval.

Trusted means GitHub's ``author_association`` is OWNER, MEMBER or COLLABORATOR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from perfpages.workflow.github import GitHub

TRUSTED = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
PR_ACTIONS = frozenset({"opened", "synchronize", "reopened"})
APPROVAL = re.compile(r"^/benchmark\s+([0-9a-fA-F]{7,40})\s*$", re.MULTILINE)
MIN_SHA = 7  # the shortest abbreviation GitHub shows


@dataclass(frozen=True)
class Decision:
    """The gate's answer. ``sha`` is the full commit to check out, ``base`` the A/B base (or "")."""

    run: bool
    reason: str
    sha: str = ""
    base: str = ""
    pull_request: int | None = None

    def outputs(self) -> dict[str, str]:
        """The step outputs the bench job reads: all strings, as $GITHUB_OUTPUT holds them."""
        return {
            "run": "true" if self.run else "false",
            "sha": self.sha,
            "base": self.base,
            "pr": str(self.pull_request or ""),
            "reason": self.reason,
        }


def decide(event_name: str, event: dict[str, Any], repository: str, github: GitHub) -> Decision:
    """Decide for one event; ``event`` is the payload at $GITHUB_EVENT_PATH."""
    if event_name == "push":
        return _push(event)
    if event_name == "workflow_dispatch":
        return _dispatch(event)
    if event_name == "pull_request_target":
        return _pull_request(event, repository)
    if event_name == "issue_comment":
        return _approval(event, github)
    return Decision(False, f"{event_name} events never run on bare metal")


def _push(event: dict[str, Any]) -> Decision:
    default = (event.get("repository") or {}).get("default_branch") or "main"
    if event.get("ref") != f"refs/heads/{default}":
        return Decision(False, f"a push to {event.get('ref')}, not to the default branch {default}")
    if event.get("deleted"):
        return Decision(False, "the push deleted the branch")
    return Decision(True, f"a push to {default}", sha=str(event["after"]))


def _dispatch(event: dict[str, Any]) -> Decision:
    inputs = event.get("inputs") or {}
    ref = str(inputs.get("ref") or "") or str(event.get("ref") or "")
    return Decision(True, "a manual run (needs write access)", sha=ref, base=str(inputs.get("base") or ""))


def _pull_request(event: dict[str, Any], repository: str) -> Decision:
    action = event.get("action")
    pr = event.get("pull_request") or {}
    number = int(pr.get("number") or event.get("number") or 0)
    if action not in PR_ACTIONS:
        return Decision(False, f"pull request #{number} was {action}; only opened, synchronize and reopened run")
    head = pr.get("head") or {}
    head_repo = (head.get("repo") or {}).get("full_name") or ""
    association = pr.get("author_association") or "NONE"
    if head_repo == repository and association in TRUSTED:
        return Decision(
            True,
            f"pull request #{number} from this repository by a trusted author ({association})",
            sha=str(head["sha"]),
            base=str((pr.get("base") or {}).get("sha") or ""),
            pull_request=number,
        )
    where = "a fork" if head_repo != repository else f"an author who is {association}"
    return Decision(
        False,
        f"pull request #{number} comes from {where}: a maintainer who reviewed it comments "
        f"`/benchmark {head.get('sha', '<head sha>')}` to run it",
    )


def _approval(event: dict[str, Any], github: GitHub) -> Decision:
    issue = event.get("issue") or {}
    comment = event.get("comment") or {}
    number = int(issue.get("number") or 0)
    if event.get("action") != "created" or not issue.get("pull_request"):
        return Decision(False, "not a new comment on a pull request")
    match = APPROVAL.search(str(comment.get("body") or ""))
    if match is None:
        return Decision(False, f"the comment on #{number} is not `/benchmark <sha>`")
    association = comment.get("author_association") or "NONE"
    if association not in TRUSTED:
        return Decision(False, f"`/benchmark` on #{number} by {association}: only owners, members, collaborators")
    approved = match.group(1).lower()
    pr = github.pull_request(number)
    if pr.state != "open":
        return Decision(False, f"pull request #{number} is {pr.state}")
    if not pr.head_sha.startswith(approved):
        return Decision(
            False,
            f"`/benchmark {approved}` names a commit that is not the head of #{number} (now {pr.head_sha[:12]}); "
            "review the new commits and approve that SHA",
        )
    return Decision(
        True,
        f"pull request #{number} approved at {pr.head_sha[:12]} by a {association.lower()}",
        sha=pr.head_sha,
        base=pr.base_sha,
        pull_request=number,
    )
