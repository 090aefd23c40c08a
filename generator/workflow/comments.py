"""Post a PR comment, or edit perfpages' earlier one in place, only while the PR's head is the commit measured."""

from __future__ import annotations

from perfpages.workflow.github import GitHub

BOT = "github-actions[bot]"  # the author of comments made with the workflow's own token


def post_comment(github: GitHub, number: int, head: str, body: str, marker: str) -> str:
    """Post or edit; returns what was done ("created", "updated", or why nothing was)."""
    current = github.pull_request(number).head_sha
    if current != head:
        return f"not commented: #{number} moved on to {current[:12]}, these results are for {head[:12]}"
    mine = [c for c in github.issue_comments(number) if c.author == BOT and c.body.startswith(marker)]
    if mine:
        github.update_comment(mine[0].id, body)
        return f"updated comment {mine[0].id} on #{number}"
    github.create_comment(number, body)
    return f"created a comment on #{number}"
