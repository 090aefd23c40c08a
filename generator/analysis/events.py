"""Level shifts that happened together: one event per machine and commit range.

A compiler upgrade, a new dependency or a change of the machine itself moves hundreds of series
at the same commit range. Listed one by one (537 shifts in 278 series of django-asv's imported
history, which are 126 events) they bury the one change a reader can act on. Shifts of one machine whose culprit lies
in the same range, (last_good, first_bad], are one event; the same range on two machines is two
events, because each machine's runs are evidence on their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from perfpages.analysis.history import Change, Pending
from perfpages.analysis.verdict import Verdict


@dataclass(frozen=True)
class Event:
    machine: str
    last_good: str
    first_bad: str
    changes: tuple[Change, ...]  # largest shift first

    @property
    def regressions(self) -> int:
        return sum(1 for c in self.changes if c.verdict is Verdict.REGRESSED)

    @property
    def improvements(self) -> int:
        return sum(1 for c in self.changes if c.verdict is Verdict.IMPROVED)


@dataclass(frozen=True)
class PendingEvent:
    """Unconfirmed shifts of one machine that start at the same commit."""

    machine: str
    since: str
    pending: tuple[Pending, ...]  # largest shift first


def group_changes(changes: Iterable[Change]) -> list[Event]:
    """One event per (machine, last_good, first_bad), in the order each range is first seen."""
    found: dict[tuple[str, str, str], list[Change]] = defaultdict(list)
    for c in changes:
        found[(c.series.key.machine, c.last_good, c.first_bad)].append(c)
    return [Event(*key, _largest_first(members)) for key, members in found.items()]


def group_pending(pending: Iterable[Pending]) -> list[PendingEvent]:
    """One event per (machine, first commit of the possible new level), in first-seen order."""
    found: dict[tuple[str, str], list[Pending]] = defaultdict(list)
    for p in pending:
        found[(p.series.key.machine, p.since)].append(p)
    return [PendingEvent(*key, _largest_first(members)) for key, members in found.items()]


def _largest_first(members: list) -> tuple:
    # Stable: members with equal shifts keep the order they came in (scenario order).
    return tuple(sorted(members, key=lambda c: -abs(c.change)))
