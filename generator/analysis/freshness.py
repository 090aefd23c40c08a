"""Whether a series is still measured: a stale series' newest value says nothing about today.

A benchmark that was renamed, removed or keeps failing stops getting points while its machine
goes on measuring other series. Its last verdict was true once; shown beside current ones it
would read as current. So a series is *stale* when its machine has measured at least
STALE_AFTER newer commits on main without it.

Runs, not days: a project that measures every merge and one that measures weekly both get a
series' absence judged by how many chances it missed. Re-runs of one commit count once, and
only the series' own machine counts, so a machine that stopped altogether leaves its series
current (its newest run is all that machine can say).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from perfpages.analysis.series import Series

STALE_AFTER = 10  # newer measured commits of its machine without the series that make it stale


@dataclass(frozen=True)
class Freshness:
    last_commit: str  # the newest commit the series has a point at
    missed: int  # commits its machine measured on main after that one, without this series

    @property
    def stale(self) -> bool:
        return self.missed >= STALE_AFTER


class MachineRuns:
    """The commits each machine measured on main, as positions in main's measured order."""

    def __init__(self, series: Iterable[Series], position: Mapping[str, int]) -> None:
        found: dict[str, set[int]] = defaultdict(set)
        for s in series:
            found[s.key.machine].update(position[c] for c in s.commits if c in position)
        self._positions = {machine: np.array(sorted(at), dtype=np.int64) for machine, at in found.items()}
        self._position = position

    def freshness(self, series: Series) -> Freshness:
        last = series.commits[-1]
        measured = self._positions.get(series.key.machine, np.zeros(0, dtype=np.int64))
        at = self._position.get(last)
        missed = 0 if at is None else len(measured) - int(np.searchsorted(measured, at, side="right"))
        return Freshness(last, missed)
