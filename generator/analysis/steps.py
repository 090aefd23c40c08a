"""Each measured commit on main against the one before it, judged with hindsight.

A pull request must be judged from the history before it. A commit on main need not:
the runs after it show whether the level really moved. So a step's verdict comes from
the change points of the whole series (a change needs 5 runs on each side): a single
noisy run is never a regression here, and a recent commit may still be unconfirmed.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from generator.analysis.history import SeriesHistory
from generator.analysis.series import Point


@dataclass(frozen=True, slots=True)
class StepChange:
    history: SeriesHistory
    before: Point
    after: Point
    verdict: str  # "regressed", "improved", "unconfirmed" or "unchanged"
    level_change: float | None  # the level shift found at this step, if any

    @property
    def change(self) -> float:
        """The change between the two single runs."""
        return self.after.value / self.before.value - 1 if self.before.value else 0.0


@dataclass(frozen=True)
class Step:
    base: str
    head: str
    changes: tuple[StepChange, ...]  # every series measured at both commits

    @property
    def shifted(self) -> tuple[StepChange, ...]:
        return tuple(c for c in self.changes if c.verdict != "unchanged")


def main_steps(histories: list[SeriesHistory], commits: list[str]) -> list[Step]:
    """One step per consecutive pair of measured commits; a series joins a step when it has
    both commits as consecutive points."""
    at = {sha: i for i, sha in enumerate(commits)}
    found: dict[int, list[StepChange]] = defaultdict(list)
    for h in histories:
        shifts = {c.first_bad: c for c in h.changes}
        pending = h.pending.since if h.pending else None
        for before, after in itertools.pairwise(h.series.points):
            i = at.get(after.commit)
            if i is None or i == 0 or commits[i - 1] != before.commit:
                continue
            shift = shifts.get(after.commit)
            verdict = shift.verdict.value if shift else ("unconfirmed" if after.commit == pending else "unchanged")
            level = shift.change if shift else (h.pending.change if verdict == "unconfirmed" else None)
            found[i].append(StepChange(h, before, after, verdict, level))
    return [Step(commits[i - 1], commits[i], tuple(found.get(i, ()))) for i in range(1, len(commits))]
