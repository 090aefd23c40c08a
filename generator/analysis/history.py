"""Change points of whole series on main, attributed to commit ranges.

Detection runs separately inside each environment segment: an environment change is
a known discontinuity, reported as such, never as a regression.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from perfpages.analysis import changepoints
from perfpages.analysis import fence as compat
from perfpages.analysis.environment import environment_change, environment_spread
from perfpages.analysis.series import Series
from perfpages.analysis.verdict import Verdict, direction_of


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
    change: float  # 0.0 from a level of 0, which has no relative size: see before and after
    runs_to_confirm: int
    verdict: Verdict
    before: float  # the current level
    after: float  # the median of the newest points


@dataclass(frozen=True)
class Discontinuity:
    series: Series
    at: str  # first commit measured in the new environment
    environment: str
    previous: str = ""  # the environment before it

    @property
    def change(self) -> str:
        """What changed, e.g. "cpu_model: Intel Xeon → AMD EPYC" (the new environment when the old is unknown)."""
        return environment_change(self.previous, self.environment) if self.previous else self.environment


@dataclass(frozen=True)
class EnvironmentMix:
    """A series whose runs switch back and forth among environments: one runner label served by
    several machine types. Each switch is a discontinuity; listing them one by one would drown
    every other change, so a reader sees them as one line."""

    first: str  # first commit of the first switch
    last: str  # first commit of the last switch
    switches: int
    environments: tuple[str, ...]  # in the order they first appear

    @property
    def spread(self) -> str:
        return environment_spread(list(self.environments))


def environment_events(history: SeriesHistory) -> list[Discontinuity | EnvironmentMix]:
    """The series' discontinuities, or one EnvironmentMix when its runs return to an environment
    they left (a switch back can only be a mix of machines, never a new one)."""
    breaks = history.discontinuities
    seen = [b.previous for b in breaks[:1]] + [b.environment for b in breaks]
    if len(set(seen)) == len(seen):
        return list(breaks)
    return [EnvironmentMix(breaks[0].at, breaks[-1].at, len(breaks), tuple(dict.fromkeys(seen)))]


@dataclass(frozen=True)
class SeriesHistory:
    series: Series
    changes: tuple[Change, ...]
    pending: Pending | None
    discontinuities: tuple[Discontinuity, ...]
    below_floor: int = 0  # level shifts (confirmed or pending) left out: smaller than the metric's floor


@dataclass(frozen=True)
class Detected:
    """What detection found in one series, by point index: all a worker process sends back."""

    changes: tuple[tuple[int, changepoints.ChangePoint], ...]  # (start of its segment, change point)
    pending: tuple[int, changepoints.PendingChange] | None


def detect_changes(series: Series) -> Detected:
    """Change points within each environment segment, and a pending change in the newest one."""
    changes = []
    pending = None
    bounds = [*series.segment_starts, len(series)]
    for start, stop in itertools.pairwise(bounds):
        values = series.medians[start:stop]
        found = changepoints.detect(values)
        changes += [(start, c) for c in found]
        tail = changepoints.pending(values, found)
        pending = (start, tail) if tail is not None else None  # only the newest segment counts
    return Detected(tuple(changes), pending)


def analyse_history(
    series: Series, detected: Detected | None = None, floors: Mapping[str, float] | None = None
) -> SeriesHistory:
    """The series' history; ``detected`` is detect_changes(series) when a worker already ran it.

    A level shift smaller than the metric's floor (``floors``: metric -> relative floor, the
    configured thresholds; rustls's defaults otherwise) is neither a change nor pending: a
    0.002% shift in instruction counts is real, but no one should act on it. Those left out
    are counted."""
    detected = detected or detect_changes(series)
    floor = compat.floor_of(series.key.metric, floors)
    breaks = tuple(
        Discontinuity(series, series.commits[g.start], g.environment, before.environment)
        for before, g in itertools.pairwise(series.segments)
    )
    found = [_change(series, start, c) for start, c in detected.changes]
    changes = tuple(c for c in found if not _below(c.before, c.change, floor))
    pending = _pending(series, *detected.pending) if detected.pending is not None else None
    dropped = len(found) - len(changes)
    if pending is not None and _below(detected.pending[1].before, pending.change, floor):
        pending, dropped = None, dropped + 1
    return SeriesHistory(series, changes, pending, breaks, dropped)


def _below(before: float, change: float, floor: float) -> bool:
    """A relative shift under the floor; a shift from 0 has no relative size and always counts."""
    return before != 0 and abs(change) < floor


def _change(series: Series, start: int, c: changepoints.ChangePoint) -> Change:
    return Change(
        series,
        series.commits[start + c.index - 1],
        series.commits[start + c.index],
        c.before,
        c.after,
        c.change,
        c.confidence,
        direction_of(c.after - c.before, series.direction),  # the sign, also for a change from 0
    )


def _pending(series: Series, start: int, tail: changepoints.PendingChange) -> Pending:
    return Pending(
        series,
        series.commits[start + tail.index],
        tail.change,
        tail.runs_to_confirm,
        direction_of(tail.after - tail.before, series.direction),
        tail.before,
        tail.after,
    )
