"""The order of commits on the main branch, which every series follows, and the runs it leaves out.

Git's first-parent history decides when the local repository holds it. Otherwise commit dates
decide, compared as instants: a shallow clone, no repository or no main branch, results whose
commits are mostly not in this repository (a separate benchmark repository), or a history in
which no run's commit is on main. The dashboard is then never empty while results exist.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from perfpages import git
from perfpages.errors import GitError
from perfpages.model import RunRecord, instant

FULL_HISTORY_HINT = (
    "for git's order, fetch the whole history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)"
)


@dataclass(frozen=True)
class LeftOut:
    """Runs of single commits that no series holds, for one reason."""

    reason: str
    runs: int
    example: str  # the full SHA of one such commit

    def to_json(self) -> dict:
        return {"reason": self.reason, "runs": self.runs, "example": self.example}

    def __str__(self) -> str:
        return f"{self.runs} run{'s' * (self.runs != 1)} left out: {self.reason} (e.g. {self.example[:12]})"


@dataclass(frozen=True)
class MainOrder:
    """Full SHAs of main, oldest first. ``source`` is "git", or "results" when their commit dates
    decide, and then ``note`` says why."""

    shas: list[str]
    source: str
    note: str = ""
    left_out: tuple[LeftOut, ...] = ()

    def to_json(self) -> dict:
        return {"source": self.source, "note": self.note, "left_out": [x.to_json() for x in self.left_out]}

    def messages(self) -> list[str]:
        """What a command tells its user about the order: why dates decide, and what no series holds."""
        return ([f"commits ordered by commit date: {self.note}"] if self.note else []) + [str(x) for x in self.left_out]


def main_order(config_path: Path, branch: str, runs: list[RunRecord]) -> MainOrder:
    """First-parent history of ``branch`` from the repository around ``config_path``, or commit
    dates when git cannot give a full order of these runs (see the module docstring)."""
    heads = [r for r in runs if r.base is None]
    try:
        repo = git.open_repo(config_path.resolve().parent)
        shas = git.first_parent_shas(repo, branch)
    except GitError as exc:
        return by_commit_date(heads, str(exc))
    if git.is_shallow(repo):
        return by_commit_date(heads, f"this is a shallow clone, so most commits are not in it; {FULL_HISTORY_HINT}")
    on_main = set(shas)
    off_main = Counter(r.head.sha for r in heads if r.head.sha not in on_main)
    absent = git.missing_commits(repo, list(off_main))
    placed = len(heads) - sum(off_main.values())
    missing = sum(off_main[sha] for sha in absent)
    if heads and (placed == 0 or missing > placed):
        why = (
            f"the commits of {missing} of {len(heads)} runs are not in this repository (results of another "
            "repository?); run perfpages in a full clone of the repository they measured"
            if missing
            else f"none of the {len(heads)} runs' commits is on {branch}'s first-parent history; "
            "set project.main_branch in perfpages.yml if main has another name"
        )
        return by_commit_date(heads, why)
    return MainOrder(shas, "git", "", _left_out(off_main, set(absent), branch))


def with_comparisons(order: MainOrder, runs: list[RunRecord]) -> MainOrder:
    """``order`` that also counts the A/B runs, for a command that reads only main's history."""
    ab = [r for r in runs if r.base is not None]
    if not ab:
        return order
    why = "A/B comparison runs are judged on their PR pages and by `compare`, not as main's history"
    return replace(order, left_out=(*order.left_out, LeftOut(why, len(ab), min(r.head.sha for r in ab))))


def by_commit_date(heads: list[RunRecord], note: str) -> MainOrder:
    """Every measured commit, oldest first by commit date as an instant (UTC): two authors in
    different time zones must not swap places. A commit whose recorded parent is also measured
    comes after it whatever the dates say (a rebase gives many commits one committer date). A
    commit without a date (a bare SHA from an import) takes its earliest run's start. The note
    adds how many commits had no date, and how many tie with no parent to order them (by SHA)."""
    when: dict[str, float] = {}
    parents: dict[str, set[str]] = {}
    undated: set[str] = set()
    for r in heads:
        stamp = r.head.committer_date or r.head.author_date
        if not stamp:
            undated.add(r.head.sha)
        t = instant(stamp or r.started_at) if (stamp or r.started_at) else 0.0
        when[r.head.sha] = min(when.get(r.head.sha, t), t)
        parents.setdefault(r.head.sha, set()).update(r.head.parents)
    shas = _parents_first(when, {sha: ps & when.keys() for sha, ps in parents.items()})
    caveats = _order_caveats(shas, when, parents, undated)
    return MainOrder(shas, "results", "; ".join(filter(None, [note, *caveats])))


def _parents_first(when: dict[str, float], parents: dict[str, set[str]]) -> list[str]:
    """Kahn's topological order of the measured commits, taking the oldest date (then SHA) first
    among those whose measured parents are placed."""
    children: dict[str, list[str]] = {sha: [] for sha in when}
    waiting = {sha: len(ps - {sha}) for sha, ps in parents.items()}
    for sha, ps in parents.items():
        for parent in ps - {sha}:
            children[parent].append(sha)
    ready = [(when[sha], sha) for sha, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    placed: list[str] = []
    while ready:
        _, sha = heapq.heappop(ready)
        placed.append(sha)
        for child in children[sha]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (when[child], child))
    # Parents from results files are untrusted: a cycle among them must not drop commits.
    return placed + sorted(when.keys() - set(placed), key=lambda sha: (when[sha], sha))


def _order_caveats(shas: list[str], when: dict, parents: dict, undated: set[str]) -> list[str]:
    said = []
    if undated:
        said.append(
            f"{len(undated)} of {len(shas)} commits have no date (not in this repository, and the source gave "
            "none): they are placed by when their runs started"
        )
    guessed = sum(
        1
        for older, newer in itertools.pairwise(shas)
        if when[older] == when[newer] and older not in parents[newer] and newer not in parents[older]
    )
    if guessed:
        said.append(f"{guessed} pairs of commits share a date and record no parent between them: ordered by SHA")
    return said


def _left_out(off_main: Counter[str], absent: set[str], branch: str) -> tuple[LeftOut, ...]:
    groups = {
        "the commit is not in this repository (fetch it, e.g. `git fetch origin SHA`)": [
            sha for sha in off_main if sha in absent
        ],
        f"the commit is not on {branch}'s first-parent history (another branch, or history rewritten since)": [
            sha for sha in off_main if sha not in absent
        ],
    }
    return tuple(LeftOut(reason, sum(off_main[s] for s in shas), min(shas)) for reason, shas in groups.items() if shas)
