"""Whether a series is still measured: a stale series' newest value says nothing about today.

A benchmark that was renamed, removed or keeps failing stops getting points while its machine
goes on measuring other series. Its last verdict was true once; shown beside current ones it
would read as current. So a series is *stale* when

- its machine has measured at least STALE_AFTER newer commits on main without it, or
- its machine is retired: it measured none of the newest STALE_AFTER commits measured on main,
  and its newest run is more than RETIRED_AFTER_DAYS older (by commit date) than the newest.

Runs, not days, for a series: a project that measures every merge and one that measures weekly
both get a series' absence judged by how many chances it missed. Re-runs of one commit count
once. A machine is judged by both: a weekly runner beside one that measures every merge misses
many commits between its runs without being gone, but not a month of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from perfpages.analysis.series import Series
from perfpages.model import instant

STALE_AFTER = 10  # newer measured commits without the series (or its machine) that make it stale
RETIRED_AFTER_DAYS = 30  # and for a machine, how far behind the newest commit its newest must be


@dataclass(frozen=True)
class Freshness:
    last_commit: str  # the newest commit the series has a point at
    missed: int  # commits its machine measured on main after that one, without this series
    retired: bool = False  # its machine stopped measuring (see the module's rule)

    @property
    def stale(self) -> bool:
        return self.retired or self.missed >= STALE_AFTER


class MachineRuns:
    """The commits each machine measured on main, as positions in main's measured order.

    ``dates``: the commit date of each measured commit, by position (Site.commits)."""

    def __init__(self, series: Iterable[Series], position: Mapping[str, int], dates: Sequence[str]) -> None:
        found: dict[str, set[int]] = defaultdict(set)
        for s in series:
            found[s.key.machine].update(position[c] for c in s.commits if c in position)
        self._positions = {machine: np.array(sorted(at), dtype=np.int64) for machine, at in found.items()}
        self._position = position
        self._retired = {machine: _retired(int(at[-1]), dates) for machine, at in self._positions.items() if len(at)}

    def freshness(self, series: Series) -> Freshness:
        machine = series.key.machine
        last = series.commits[-1]
        measured = self._positions.get(machine, np.zeros(0, dtype=np.int64))
        at = self._position.get(last)
        missed = 0 if at is None else len(measured) - int(np.searchsorted(measured, at, side="right"))
        return Freshness(last, missed, self._retired.get(machine, False))


def _retired(newest: int, dates: Sequence[str]) -> bool:
    if len(dates) - 1 - newest < STALE_AFTER:
        return False
    try:
        behind = instant(dates[-1]) - instant(dates[newest])
    except ValueError:
        return False  # without both dates the machine cannot be shown to have stopped; its runs still count
    return behind > RETIRED_AFTER_DAYS * 86400
