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

import numpy as np

from perfpages.analysis.history import SeriesHistory
from perfpages.analysis.series import Point


@dataclass(frozen=True, slots=True)
class StepChange:
    history: SeriesHistory
    index: int  # the series' point at the step's head; the one before is at its base
    verdict: str  # "regressed", "improved", "unconfirmed" or "unchanged"
    level_change: float | None  # the level shift found at this step, if any
    # The levels either side of that shift: a shift from 0 has no relative size, so it is told by them.
    levels: tuple[float, float] | None = None

    @property
    def before(self) -> Point:
        return self.history.series.point(self.index - 1)

    @property
    def after(self) -> Point:
        return self.history.series.point(self.index)

    @property
    def change(self) -> float:
        """The change between the two single runs."""
        values = self.history.series.values
        before, after = values[self.index - 1], values[self.index]
        return after / before - 1 if before else 0.0


@dataclass(frozen=True)
class Step:
    base: str
    head: str
    series: int  # how many series were measured at both commits
    machines: tuple[str, ...]  # the machines that measured them
    shifted: tuple[StepChange, ...]  # level shifts found here and unconfirmed ones
    unchanged: int


def main_steps(histories: list[SeriesHistory], commits: list[str]) -> list[Step]:
    """One step per consecutive pair of measured commits; a series joins a step when it has
    both commits as consecutive points.

    A long history has about a million (series, step) pairs, so they stay arrays: only the
    shifted ones become objects (a step page reads the others from site/stepvalues.py)."""
    at = {sha: i for i, sha in enumerate(commits)}
    rows, shifted = _pairs(histories, at)
    counts = np.bincount(rows.step, minlength=len(commits))
    machines = rows.machines(histories, len(commits))
    return [
        Step(
            commits[i - 1],
            commits[i],
            int(counts[i]),
            machines[i],
            tuple(shifted.get(i, {}).values()),
            int(counts[i]) - len(shifted.get(i, {})),
        )
        for i in range(1, len(commits))
    ]


@dataclass(frozen=True)
class _Pairs:
    """Every (series, step) pair: the history's number and the step."""

    history: np.ndarray
    step: np.ndarray

    @classmethod
    def of(cls, parts: list[tuple[np.ndarray, np.ndarray]]) -> _Pairs:
        if not parts:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64))
        return cls(*(np.concatenate([p[k] for p in parts]) for k in range(2)))

    def machines(self, histories: list[SeriesHistory], steps: int) -> list[tuple[str, ...]]:
        """The machines that measured each step, sorted."""
        names = sorted({h.series.key.machine for h in histories})
        of_history = np.array([names.index(h.series.key.machine) for h in histories], dtype=np.int64)
        present = np.zeros((steps, len(names)), dtype=bool)
        present[self.step, of_history[self.history]] = True
        return [tuple(name for name, here in zip(names, row, strict=True) if here) for row in present.tolist()]


def _pairs(histories: list[SeriesHistory], at: dict[str, int]) -> tuple[_Pairs, dict[int, dict[int, StepChange]]]:
    """Every (series, step) pair as arrays, and the shifted ones (step -> history number -> change)."""
    parts, shifted = [], defaultdict(dict)
    for n, h in enumerate(histories):
        commits = h.series.commits
        measured = np.fromiter(map(at.get, commits, itertools.repeat(-1)), dtype=np.int64, count=len(commits))
        # A point joins the step to its commit when the point before is at the commit before.
        joined = np.zeros(len(measured), dtype=bool)
        joined[1:] = (measured[1:] >= 1) & (measured[:-1] == measured[1:] - 1)
        for index, (verdict, level) in _marks(h).items():
            if joined[index]:
                shifted[int(measured[index])][n] = StepChange(h, index, verdict, level[0], level[1])
        steps = measured[joined]
        parts.append((np.full(len(steps), n), steps))
    return _Pairs.of(parts), shifted


def _marks(h: SeriesHistory) -> dict[int, tuple[str, tuple[float, tuple[float, float]]]]:
    """Point index -> (verdict, (level change, levels before and after)) where a series shifted,
    or may have; a confirmed shift outranks an unconfirmed one at the same point."""
    marks = {}
    p = h.pending
    if p is not None:
        marks[h.series.positions[p.since]] = ("unconfirmed", (p.change, (p.before, p.after)))
    for c in h.changes:
        marks[h.series.positions[c.first_bad]] = (c.verdict.value, (c.change, (c.before, c.after)))
    return marks
