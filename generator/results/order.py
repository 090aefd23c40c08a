"""The order of commits on the main branch, which every series follows."""

from __future__ import annotations

from pathlib import Path

from generator import git
from generator.errors import GitError
from generator.model import RunRecord


def main_order(config_path: Path, branch: str, runs: list[RunRecord]) -> tuple[list[str], str]:
    """First-parent history of the main branch from git, and "git"; without a repository
    (a shallow copy, an imported history), the commit dates decide, and "results"."""
    try:
        return git.first_parent_shas(git.open_repo(config_path.resolve().parent), branch), "git"
    except GitError:
        heads = {r.head.sha: r.head for r in runs if r.base is None}
        return [c.sha for c in sorted(heads.values(), key=lambda c: (c.committer_date, c.sha))], "results"
