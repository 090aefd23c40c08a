"""What the overview puts first: each series' status, and the order that leads with what needs attention.

Regressions come first, then unconfirmed shifts (the next regressions, perhaps), each newest
first; then improvements, stable series, and last the stale ones, whose newest value is not
current (analysis/freshness.py) and so gets no verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from perfpages.analysis.freshness import Freshness, MachineRuns
from perfpages.analysis.history import SeriesHistory
from perfpages.site.gather import Site

RECENT = 30  # a change point among the newest this-many points still sets the status
ATTENTION = ("regressed", "unconfirmed", "improved", "stable", "stale")  # the default order of statuses


@dataclass(frozen=True)
class Triage:
    status: str  # one of ATTENTION
    since: str | None  # the commit that set the status: a shift's first commit at its new level
    freshness: Freshness


def machine_runs(site: Site) -> MachineRuns:
    """What the stale rule needs to know of every machine's runs."""
    dates = [c.committer_date for c in site.commits]
    return MachineRuns((h.series for h in site.histories), site.commit_index, dates)


def triage(history: SeriesHistory, freshness: Freshness) -> Triage:
    if freshness.stale:
        return Triage("stale", None, freshness)
    if history.pending is not None:
        return Triage("unconfirmed", history.pending.since, freshness)
    recent = set(history.series.commits[-RECENT:])
    latest = next((c for c in reversed(history.changes) if c.first_bad in recent), None)
    if latest is None:
        return Triage("stable", None, freshness)
    return Triage(latest.verdict.value, latest.first_bad, freshness)


def attention_key(t: Triage, position: Mapping[str, int]) -> tuple[int, int]:
    """Sorts by status as ATTENTION orders them, then newest first: by the commit that set the
    status, or for a stale series by its last measured commit. Ties are left to the caller."""
    newest = t.since if t.since is not None else t.freshness.last_commit
    return (ATTENTION.index(t.status), -position.get(newest, -1))
