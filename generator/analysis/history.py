"""Change points of whole series on main, attributed to commit ranges.

Detection runs separately inside each environment segment: an environment change is
a known discontinuity, reported as such, never as a regression.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.analysis import changepoints
from generator.analysis.series import Series
from generator.analysis.verdict import Verdict, direction_of


@dataclass(frozen=True)
class Change:
    series: Series
    last_good: str  # the newest commit at the old level
    first_bad: str  # the first commit at the new level: the culprit lies in (last_good, first_bad]
    before: float
    after: float
    change: float
    confidence: float
    verdict: Verdict  # regressed or improved, by the metric's direction


@dataclass(frozen=True)
class Pending:
    series: Series
    since: str  # first commit of the possible new level
    change: float
    runs_to_confirm: int
    verdict: Verdict


@dataclass(frozen=True)
class Discontinuity:
    series: Series
    at: str  # first commit measured in the new environment
    environment: str


@dataclass(frozen=True)
class SeriesHistory:
    series: Series
    changes: tuple[Change, ...]
    pending: Pending | None
    discontinuities: tuple[Discontinuity, ...]


def analyse_history(series: Series) -> SeriesHistory:
    changes: list[Change] = []
    pending: Pending | None = None
    breaks = []
    for start, stop in _environment_segments(series):
        points = series.points[start:stop]
        if start > 0:
            breaks.append(Discontinuity(series, points[0].commit, points[0].environment))
        values = [p.value for p in points]
        found = changepoints.detect(values)
        changes += [_change(series, points, c) for c in found]
        tail = changepoints.pending(values, found)
        pending = _pending(series, points, tail) if tail is not None else None  # only the newest segment counts
    return SeriesHistory(series, tuple(changes), pending, tuple(breaks))


def _environment_segments(series: Series) -> list[tuple[int, int]]:
    bounds = [0] + [
        i for i in range(1, len(series.points)) if series.points[i].environment != series.points[i - 1].environment
    ]
    return list(zip(bounds, [*bounds[1:], len(series.points)], strict=True))


def _change(series: Series, points, c: changepoints.ChangePoint) -> Change:
    return Change(
        series,
        points[c.index - 1].commit,
        points[c.index].commit,
        c.before,
        c.after,
        c.change,
        c.confidence,
        direction_of(c.change, series.direction),
    )


def _pending(series: Series, points, tail: changepoints.PendingChange) -> Pending:
    return Pending(
        series,
        points[tail.index].commit,
        tail.change,
        tail.runs_to_confirm,
        direction_of(tail.change, series.direction),
    )
