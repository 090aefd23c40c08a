"""The table `perfpages changes` prints: one row per event, as the site's changes page lists them.

A compiler upgrade moves hundreds of series at one commit range on one machine; one row per series
would bury the change a reader can act on. So shifts of one machine in one commit range are one row
(analysis/events.py), with its largest shifts listed below it and the rest counted; a single-series
shift is one row as before. Unconfirmed shifts and changes of machine environment are grouped the
same way. `--json` lists every series of every event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.markup import escape
from rich.table import Table

from perfpages.analysis.events import (
    Event,
    PendingEvent,
    events_newest_first,
    machine_change,
    pending_newest_first,
)
from perfpages.analysis.history import Change, EnvironmentMix, Pending, SeriesHistory, environment_events
from perfpages.analysis.series import Series
from perfpages.render.comparison import shift_label
from perfpages.render.markdown import plural

LISTED = 5  # an event's largest shifts shown under its row; `--json` has them all
INDENT = "  "


@dataclass(frozen=True)
class Grouped:
    """The events of a history, newest first, and what the machines' fingerprints say of them."""

    events: list[Event]
    pending: list[PendingEvent]
    # (machine, last_good, first_bad) -> what differs between the machine's runs at the two commits
    machine_changes: dict[tuple[str, str, str], str]

    def machine_change(self, e: Event) -> str:
        return self.machine_changes.get((e.machine, e.last_good, e.first_bad), "")


def grouped(
    histories: Sequence[SeriesHistory],
    position: Mapping[str, int],
    fingerprints: Mapping[tuple[str, str], Mapping[str, object]],
) -> Grouped:
    events = events_newest_first((c for h in histories for c in h.changes), position)
    pending = pending_newest_first((h.pending for h in histories if h.pending is not None), position)
    changed = {(e.machine, e.last_good, e.first_bad): machine_change(e, fingerprints) for e in events}
    return Grouped(events, pending, {key: note for key, note in changed.items() if note})


def changes_table(histories: Sequence[SeriesHistory], groups: Grouped, position: Mapping[str, int]) -> Table:
    table = Table(title="changes on main, newest first: one row per machine and commit range", title_justify="left")
    # Folded, not cut: two series that differ only in their parameters must not read the same.
    table.add_column("series", overflow="fold")
    for column in ("commits", "change", "verdict"):
        table.add_column(column)
    for event in groups.events:
        _add_event(table, event, groups.machine_change(event))
    for pending in groups.pending:
        _add_pending(table, pending)
    for row in _environment_rows(histories, position):
        table.add_row(*row)
    return table


def _add_event(table: Table, e: Event, machine_changed: str) -> None:
    commits = f"{e.last_good[:12]}..{e.first_bad[:12]}"
    if len(e.changes) == 1:
        c = e.changes[0]
        table.add_row(_series(c.series), commits, _size(c), c.verdict.value)
        return
    note = f" · machine changed: {machine_changed}" if machine_changed else ""
    table.add_row(
        escape(f"{len(e.changes)} series on {e.machine} moved together{note}"),
        commits,
        _span(e.changes),
        f"{e.regressions} regressed, {e.improvements} improved",
    )
    _add_members(table, e.changes, lambda c: c.verdict.value)


def _add_pending(table: Table, p: PendingEvent) -> None:
    since = f"since {p.since[:12]}"
    if len(p.pending) == 1:
        (x,) = p.pending
        wait = plural(x.runs_to_confirm, "more run")
        table.add_row(_series(x.series), since, _size(x), f"pending: {wait} to confirm")
        return
    runs = sorted({x.runs_to_confirm for x in p.pending})
    wait = f"{runs[0]}–{runs[-1]} more runs" if len(runs) > 1 else plural(runs[0], "more run")
    table.add_row(
        escape(f"{len(p.pending)} series on {p.machine} may have moved together"),
        since,
        _span(p.pending),
        f"pending: {wait} to confirm",
    )
    _add_members(table, p.pending, lambda x: f"pending: {plural(x.runs_to_confirm, 'more run')}")


def _add_members(table: Table, members: Sequence[Change | Pending], verdict) -> None:
    """The largest shifts of an event, indented under it; the rest counted (a count of one would
    take the line its series needs)."""
    shown = members if len(members) <= LISTED + 1 else members[:LISTED]
    for m in shown:
        key = m.series.key
        table.add_row(escape(f"{INDENT}{key.label} {key.metric}"), "", _size(m), verdict(m))
    if len(members) > len(shown):
        table.add_row(f"{INDENT}… and {len(members) - len(shown)} more (--json lists them all)", "", "", "")


def _environment_rows(histories: Iterable[SeriesHistory], position: Mapping[str, int]) -> list[tuple[str, ...]]:
    """Changes of machine environment, one row per machine, commit and change, newest first: a new
    kernel on a machine changes the environment of every series measured there."""
    found: dict[tuple, list[Series]] = defaultdict(list)
    for h in histories:
        for event in environment_events(h):
            if isinstance(event, EnvironmentMix):
                what = (
                    f"environment switched {event.switches} times among {len(event.environments)} environments "
                    f"({event.spread}); runs in different environments are never compared"
                )
                key = (event.last, f"{event.first[:12]}..{event.last[:12]}", what)
            else:
                key = (event.at, f"at {event.at[:12]}", f"environment changed: {event.change}")
            found[(h.series.key.machine, *key)].append(h.series)
    newest = sorted(found.items(), key=lambda item: -position.get(item[0][1], -1))
    return [(_who(machine, series), commits, "", escape(what)) for (machine, _, commits, what), series in newest]


def _who(machine: str, series: list[Series]) -> str:
    return _series(series[0]) if len(series) == 1 else escape(f"{len(series)} series on {machine}")


def _series(series: Series) -> str:
    key = series.key
    return escape(f"{key.label} {key.metric} ({key.machine})")


def _size(shift: Change | Pending) -> str:
    return escape(shift_label(shift.change, shift.before, shift.after, shift.series.unit))


def _span(members: Sequence[Change | Pending]) -> str:
    """From the smallest change to the largest, each as shift_label writes it."""
    ordered = sorted(members, key=lambda m: m.change)
    return f"{_size(ordered[0])} to {_size(ordered[-1])}"
