"""The overview page: what needs attention first, then one row per scenario, metric and machine.

It loads no plotly: sparklines are inline SVG, and the sorting and filtering are a small script
(the overview section of static/perfpages.js) over the rows this page already holds. Without
the script the rows still come in the attention order (site/triage.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from perfpages.analysis.events import Event, PendingEvent, group_changes, group_pending
from perfpages.analysis.freshness import RETIRED_AFTER_DAYS, STALE_AFTER
from perfpages.analysis.history import SeriesHistory
from perfpages.render.comparison import shift_label
from perfpages.render.markdown import plural
from perfpages.render.units import human
from perfpages.site import urls
from perfpages.site.changes import environment_note, event_anchor
from perfpages.site.gather import ScenarioGroup, Site
from perfpages.site.html import front_matter, link, text
from perfpages.site.sparkline import sparkline
from perfpages.site.triage import ATTENTION, Triage, attention_key, machine_runs, triage

LOOKBACK = 30  # "change" compares the newest run with the run this many commits earlier
EVENTS_SHOWN = 8  # newest events listed above the table; the changes page has them all


@dataclass(frozen=True)
class Row:
    group: ScenarioGroup
    history: SeriesHistory
    triage: Triage

    @property
    def status(self) -> str:
        return self.triage.status


def overview_page(site: Site, links: urls.Links) -> str:
    rows = attention_rows(site)
    counts = Counter(r.status for r in rows)
    parts = [
        front_matter(f"{site.project_name} performance", hide=("navigation", "toc"), searchable=False),
        f"# {text(site.project_name)} performance\n",
        _summary(site, rows, counts, links),
        _recent_events(site, rows, links),
        _filters(site, rows, counts),
        _order(counts),
        _table(rows, links, site),
    ]
    return "\n".join(parts)


def attention_rows(site: Site) -> list[Row]:
    """Every series with its status, in the attention order; ties by scenario, metric, machine."""
    runs = machine_runs(site)
    rows = [Row(g, h, triage(h, runs.freshness(h.series))) for g in site.scenarios for h in g.histories]
    position = site.commit_index
    return sorted(
        rows,
        key=lambda r: (*attention_key(r.triage, position), r.group.label, r.history.series.key.metric, _machine(r)),
    )


def _machine(row: Row) -> str:
    return row.history.series.key.machine


def _summary(site: Site, rows: list[Row], counts: Counter, links: urls.Links) -> str:
    if not site.commits:
        return "<p>No results yet. Run <code>perfpages run</code> and commit the file it writes.</p>\n"
    latest = site.commits[-1]
    # What "stale" means is said above the table, where the stale rows' place is explained.
    stale = f" {counts['stale']} series stale." if counts["stale"] else ""
    return (
        f'<p class="pp-summary">{len(rows)} series over {len(site.commits)} commits on '
        f"{plural(len(site.machines), 'machine')}. "
        f"Newest: <code>{text(latest.sha[:12])}</code> {text(latest.subject)} "
        f"({text(latest.committer_date[:10])}).{stale} "
        f"{link(links.to(urls.CHANGES), 'all changes')} · "
        f"{link(links.to(urls.PR_INDEX), 'pull requests')}</p>\n" + _variant_links(site, links)
    )


def _variant_links(site: Site, links: urls.Links) -> str:
    if not site.variant_sets:
        return ""
    items = " · ".join(link(links.to(urls.variants_page(v.slug)), v.name) for v in site.variant_sets)
    return f'<p class="pp-summary">Variant comparisons: {items}</p>\n'


def _recent_events(site: Site, rows: list[Row], links: urls.Links) -> str:
    """The shifts that set the current statuses, one line per machine and commit range: a
    compiler upgrade that moved 240 series reads as one line, not 240 rows."""
    current = [(r.history, r.triage.since) for r in rows if r.status in ("regressed", "improved")]
    events = group_changes(c for h, since in current for c in h.changes if c.first_bad == since)
    pending = group_pending(r.history.pending for r in rows if r.status == "unconfirmed")
    position = site.commit_index
    dated = [(position[e.first_bad], e) for e in events] + [(position[p.since], p) for p in pending]
    dated.sort(key=lambda item: -item[0])  # stable: at one commit, confirmed events stay first
    if not dated:
        return ""
    lines = [_event_line(site, e, links) for _, e in dated[:EVENTS_SHOWN]]
    more = len(dated) - EVENTS_SHOWN
    tail = f"<p>{more} more on the {link(links.to(urls.CHANGES), 'changes page')}.</p>" if more > 0 else ""
    items = "".join(f"<li>{line}</li>" for line in lines)
    heading = "<p><strong>Recent shifts</strong>, newest first: one line per machine and commit range</p>"
    # Shown in full on a wide screen; a phone folds it to its summary line (perfpages.css), so
    # that the first screen reaches the status filters and the top of the table.
    # Counted as shifts, in events when a line holds several ("1 recent shift" read for 240 series).
    shifts = sum(len(e.pending if isinstance(e, PendingEvent) else e.changes) for _, e in dated)
    counted = plural(shifts, "recent shift") + (f" in {plural(len(dated), 'event')}" if shifts > len(dated) else "")
    fold = f"{counted}, the newest on {text(_date(site, _since(dated[0][1])))}"
    return f'<details class="pp-events pp-fold"><summary>{fold}</summary>{heading}<ul>{items}</ul>{tail}</details>\n'


def _since(event: Event | PendingEvent) -> str:
    return event.since if isinstance(event, PendingEvent) else event.first_bad


def _event_line(site: Site, event: Event | PendingEvent, links: urls.Links) -> str:
    return _pending_line(site, event, links) if isinstance(event, PendingEvent) else _shift_line(site, event, links)


def _shift_line(site: Site, event: Event, links: urls.Links) -> str:
    commits = f"{event.last_good[:12]}..{event.first_bad[:12]}"
    page = site.compare_page(event.last_good, event.first_bad)
    shown = link(links.to(page), commits) if page else f"<code>{text(commits)}</code>"
    where = f"At {shown} ({text(_date(site, event.first_bad))})"
    if len(event.changes) == 1:
        c = event.changes[0]
        return f"{where}, {_one_series(c.series)} {c.verdict.value} {_size(c)}"
    listed = link(links.to(urls.CHANGES) + "#" + event_anchor(event), f"{len(event.changes)} series")
    note = environment_note(site, event)
    return (
        f"{where}, {listed} on {text(event.machine)} moved together: "
        f"{event.regressions} regressed, {event.improvements} improved{text(note)}"
    )


def _pending_line(site: Site, event: PendingEvent, links: urls.Links) -> str:
    where = f"Since <code>{text(event.since[:12])}</code> ({text(_date(site, event.since))})"
    if len(event.pending) == 1:
        p = event.pending[0]
        what = f"{_one_series(p.series)} may have moved {_size(p)}"
    else:
        better = sum(1 for p in event.pending if p.verdict.value == "improved")
        listed = link(links.to(urls.CHANGES) + "#" + event_anchor(event), f"{len(event.pending)} series")
        what = (
            f"{listed} on {text(event.machine)} may have moved together: "
            f"{len(event.pending) - better} regressing, {better} improving"
        )
    return f"{where}, {what}; more runs will confirm or clear it"


def _size(shift) -> str:
    """A Change's or Pending's size as HTML text: "+1.5%", or "+0.02 (from 0)"."""
    return text(shift_label(shift.change, shift.before, shift.after, shift.series.unit, digits=1))


def _date(site: Site, sha: str) -> str:
    return site.commits[site.commit_index[sha]].committer_date[:10]


def _one_series(series) -> str:
    """Names one series as text: its row in the table below links its page."""
    key = series.key
    return f"{text(key.label)} {text(key.metric)} on {text(key.machine)}"


def _filters(site: Site, rows: list[Row], counts: Counter) -> str:
    statuses = "".join(
        f'<button type="button" class="pp-status pp-badge pp-{s}" data-status="{s}" aria-pressed="false">'
        f'{s} <span class="pp-count">{counts[s]}</span></button>'
        for s in ATTENTION
        if counts[s]
    )
    machines = "".join(f'<option value="{text(m)}">{text(m)}</option>' for m in site.machines)
    tags = sorted({t for r in rows for t in r.group.tags})
    buttons = "".join(
        f'<button type="button" class="pp-tag" data-tag="{text(t)}" aria-pressed="false">{text(t)}</button>'
        for t in tags
    )
    return (
        '<div class="pp-filters">'
        f'<span class="pp-statuses" role="group" aria-label="Show only these statuses">{statuses}</span>'
        '<input type="search" id="pp-filter" placeholder="Filter by scenario, metric or status" aria-label="Filter">'
        f'<select id="pp-machine" aria-label="Machine"><option value="">all machines</option>{machines}</select>'
        f'<span class="pp-tags">{buttons}</span>'
        f'<span id="pp-shown" aria-live="polite">{len(rows)} series</span>'
        "</div>\n"
    )


# (header, how the script sorts it): by text, by the number a cell's data-sort or text starts with,
# or in the order the page came in (the attention order). The trend has nothing to sort by.
# Cells carry a data-sort only where their text does not sort right: each costs every row bytes.
COLUMNS = (
    ("scenario", "text"),
    ("metric", "text"),
    ("status", "order"),
    (f"vs {LOOKBACK} runs earlier", "number"),
    ("trend", ""),
    ("latest", "number"),  # "1.2 s" and "499 ms": by the value in data-sort
    ("machine", "text"),
    ("last measured", "text"),  # ISO dates sort as text
    ("last change", "number"),  # by the position of the commit it starts at, in data-sort
)


def _order(counts: Counter) -> str:
    """The order is not alphabetical, so the page says what it is, and why stale rows come last."""
    stale = (
        f" ({counts['stale']} series: not measured in the newest {STALE_AFTER} runs of "
        f"their machine, or on a machine that has not reported for {RETIRED_AFTER_DAYS} days while others "
        "have; no verdict)"
        if counts["stale"]
        else ""
    )
    # A phone folds it to its summary line, as the recent shifts (perfpages.css).
    return (
        '<details class="pp-order pp-fold"><summary>Order: regressed first, stale last</summary>'
        "<p>Regressed rows first, then unconfirmed ones, each newest first; then improved, "
        f"stable, and stale last{stale}. Click a column header to sort by it.</p></details>\n"
    )


def _table(rows: list[Row], links: urls.Links, site: Site) -> str:
    head = "".join(
        f'<th aria-sort="none"><button type="button" class="pp-sort" data-kind="{kind}">{name}</button></th>'
        if kind
        else f"<th>{name}</th>"
        for name, kind in COLUMNS
    )
    body = "\n".join(_row(r, links, site) for r in rows)
    return (
        # Material's scroll wrapper lets the table scroll sideways on a phone instead of the page.
        f'<div class="md-typeset__scrollwrap"><div class="md-typeset__table pp-overview"><table>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div></div>\n"
    )


def _row(row: Row, links: urls.Links, site: Site) -> str:
    s = row.history.series
    values = s.values
    position = site.commit_index
    last = row.triage.freshness.last_commit
    last_date = text(site.commits[position[last]].committer_date[:10]) if last in position else ""
    badge = f"stale since {last_date}" if row.status == "stale" else row.status
    cells = [
        ("", link(links.to(urls.scenario_page(row.group.slug)), row.group.label)),
        ("", text(s.key.metric)),
        ("", f'<span class="pp-badge pp-{row.status}">{badge}</span>'),
        ("", _lookback(s)),
        ("", sparkline(values, row.status)),
        (f"{values[-1]:.3g}", text(human(values[-1], s.unit))),
        ("", text(s.key.machine)),
        ("", last_date),
        _last_change(row, links, site),
    ]
    stale = ' class="pp-stale"' if row.status == "stale" else ""
    return (
        f'<tr{stale} data-status="{row.status}" data-machine="{text(s.key.machine)}" '
        f'data-tags="{text(" ".join(row.group.tags))}">'
        + "".join(f'<td data-sort="{key}">{cell}</td>' if key != "" else f"<td>{cell}</td>" for key, cell in cells)
        + "</tr>"
    )


def _lookback(s) -> str:
    """The newest value against the earliest of the last LOOKBACK runs measured in the same
    environment: a change of CPU or kernel moves the level by itself, so a figure across one
    would say nothing about the code (and a runner that flips between CPUs still has a figure)."""
    last = len(s) - 1
    environment = s.segment_of(last).environment
    bounds = [*s.segment_starts[1:], len(s)]
    same = [
        i
        for g, stop in zip(s.segments, bounds, strict=True)
        if g.environment == environment
        for i in range(max(g.start, last - LOOKBACK), stop)
    ]
    if last > 0 and same == [last]:
        return '<span title="the newest run is the first in its environment">new environment</span>'
    earlier = s.values[same[0]]
    return f"{s.values[-1] / earlier - 1:+.1%}" if len(same) > 1 and earlier else "n/a"


def _last_change(row: Row, links: urls.Links, site: Site) -> tuple[object, str]:
    """The cell and its sort key: the position of the commit the change starts at."""
    history, position = row.history, site.commit_index
    if history.pending is not None:
        p = history.pending
        # A stale series gets no more runs: its shift will never be confirmed or cleared.
        wait = f"{p.runs_to_confirm} more runs to confirm"
        if row.status == "stale":
            wait = "unconfirmed when last measured"
        return (position.get(p.since, ""), f"{_size(p)} since <code>{text(p.since[:12])}</code>, {wait}")
    if not history.changes:
        return ("", "")
    c = history.changes[-1]
    label = f"{shift_label(c.change, c.before, c.after, c.series.unit, digits=1)} at {c.first_bad[:12]}"
    page = site.compare_page(c.last_good, c.first_bad)
    return (position.get(c.first_bad, ""), link(links.to(page), label) if page else text(label))
