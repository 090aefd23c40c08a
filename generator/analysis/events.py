"""Level shifts that happened together: one event per machine and commit range.

A compiler upgrade, a new dependency or a change of the machine itself moves hundreds of series
at the same commit range. Listed one by one (539 shifts in 278 series of django-asv's imported
history, which are 126 events) they bury the one change a reader can act on. Shifts of one machine whose culprit lies
in the same range, (last_good, first_bad], are one event; the same range on two machines is two
events, because each machine's runs are evidence on their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from perfpages.analysis.environment import fingerprint_change
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


def events_newest_first(changes: Iterable[Change], position: Mapping[str, int]) -> list[Event]:
    """The changes as events, newest first by the commit each starts at (its position in main's
    order); at one commit, by scenario, metric and machine of each event's first change."""
    return group_changes(sorted(changes, key=lambda c: (-position[c.first_bad], *_named(c))))


def pending_newest_first(pending: Iterable[Pending], position: Mapping[str, int]) -> list[PendingEvent]:
    """The unconfirmed shifts grouped as group_pending does, newest first like events_newest_first."""
    return group_pending(sorted(pending, key=lambda p: (-position[p.since], *_named(p))))


def _named(shift: Change | Pending) -> tuple[str, str, str]:
    key = shift.series.key
    return (key.label, key.metric, key.machine)


def machine_change(event: Event, fingerprints: Mapping[tuple[str, str], Mapping[str, object]]) -> str:
    """What differs between the machine's runs at the event's two commits besides what differs
    every run ("turbo: False → True"), or "" when nothing does or either run is unknown. Many
    series moving at once is often the machine changing, not the code."""
    before = fingerprints.get((event.machine, event.last_good))
    after = fingerprints.get((event.machine, event.first_bad))
    return fingerprint_change(before, after) if before is not None and after is not None else ""


def group_pending(pending: Iterable[Pending]) -> list[PendingEvent]:
    """One event per (machine, first commit of the possible new level), in first-seen order."""
    found: dict[tuple[str, str], list[Pending]] = defaultdict(list)
    for p in pending:
        found[(p.series.key.machine, p.since)].append(p)
    return [PendingEvent(*key, _largest_first(members)) for key, members in found.items()]


def _largest_first(members: list) -> tuple:
    # Stable: members with equal shifts keep the order they came in (scenario order).
    return tuple(sorted(members, key=lambda c: -abs(c.change)))
