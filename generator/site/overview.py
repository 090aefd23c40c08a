"""The overview page: one row per scenario, metric and machine. It loads no plotly."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from perfpages.analysis.history import SeriesHistory
from perfpages.render.units import human
from perfpages.site import urls
from perfpages.site.gather import ScenarioGroup, Site
from perfpages.site.html import front_matter, link, text
from perfpages.site.sparkline import sparkline

LOOKBACK = 30  # "change" compares the newest run with the run this many commits earlier
RECENT = 30  # a change point among the newest this-many points still sets the status


@dataclass(frozen=True)
class Row:
    group: ScenarioGroup
    history: SeriesHistory
    status: str


def status_of(history: SeriesHistory) -> str:
    if history.pending is not None:
        return "unconfirmed"
    recent = set(history.series.commits[-RECENT:])
    latest = next((c for c in reversed(history.changes) if c.first_bad in recent), None)
    return latest.verdict.value if latest is not None else "stable"


def overview_page(site: Site, links: urls.Links) -> str:
    rows = [Row(g, h, status_of(h)) for g in site.scenarios for h in g.histories]
    counts = Counter(r.status for r in rows)
    parts = [
        front_matter(f"{site.project_name} performance", hide=("navigation", "toc"), searchable=False),
        f"# {text(site.project_name)} performance\n",
        _summary(site, rows, counts, links),
        _filters(site, rows),
        _table(rows, links, site),
    ]
    return "\n".join(parts)


def _summary(site: Site, rows: list[Row], counts: Counter, links: urls.Links) -> str:
    if not site.commits:
        return "<p>No results yet. Run <code>perfpages run</code> and commit the file it writes.</p>\n"
    latest = site.commits[-1]
    badges = " ".join(
        f'<span class="pp-badge pp-{status}">{counts[status]} {status}</span>'
        for status in ("regressed", "unconfirmed", "improved", "stable")
        if counts[status]
    )
    return (
        f'<p class="pp-summary">{len(rows)} series over {len(site.commits)} commits on '
        f"{len(site.machines)} machine{'s' if len(site.machines) != 1 else ''}. "
        f"Newest: <code>{text(latest.sha[:12])}</code> {text(latest.subject)} ({text(latest.committer_date[:10])}). "
        f"{badges} · {link(links.to(urls.CHANGES), 'all changes')} · "
        f"{link(links.to(urls.PR_INDEX), 'pull requests')}</p>\n" + _variant_links(site, links)
    )


def _variant_links(site: Site, links: urls.Links) -> str:
    if not site.variant_sets:
        return ""
    items = " · ".join(link(links.to(urls.variants_page(v.slug)), v.name) for v in site.variant_sets)
    return f'<p class="pp-summary">Variant comparisons: {items}</p>\n'


def _filters(site: Site, rows: list[Row]) -> str:
    machines = "".join(f'<option value="{text(m)}">{text(m)}</option>' for m in site.machines)
    tags = sorted({t for r in rows for t in r.group.tags})
    buttons = "".join(
        f'<button type="button" class="pp-tag" data-tag="{text(t)}" aria-pressed="false">{text(t)}</button>'
        for t in tags
    )
    return (
        '<div class="pp-filters">'
        '<input type="search" id="pp-filter" placeholder="Filter by scenario or metric" aria-label="Filter">'
        f'<select id="pp-machine" aria-label="Machine"><option value="">all machines</option>{machines}</select>'
        f'<span class="pp-tags">{buttons}</span>'
        "</div>\n"
    )


def _table(rows: list[Row], links: urls.Links, site: Site) -> str:
    head = "".join(
        f"<th>{h}</th>"
        # What needs attention first (status, change), so a phone shows it without scrolling sideways.
        for h in (
            "scenario",
            "metric",
            "status",
            f"vs {LOOKBACK} runs earlier",
            "trend",
            "latest",
            "machine",
            "last change",
        )
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
    earlier = values[max(0, len(values) - 1 - LOOKBACK)]
    change = f"{values[-1] / earlier - 1:+.1%}" if len(values) > 1 and earlier else "n/a"
    search = f"{row.group.label} {s.key.metric}".lower()
    cells = [
        link(links.to(urls.scenario_page(row.group.slug)), row.group.label),
        text(s.key.metric),
        f'<span class="pp-badge pp-{row.status}">{row.status}</span>',
        change,
        sparkline(values, row.status),
        text(human(values[-1], s.unit)),
        text(s.key.machine),
        _last_change(row.history, links, site),
    ]
    return (
        f'<tr data-machine="{text(s.key.machine)}" data-tags="{text(" ".join(row.group.tags))}" '
        f'data-text="{text(search)}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    )


def _last_change(history: SeriesHistory, links: urls.Links, site: Site) -> str:
    if history.pending is not None:
        p = history.pending
        return f"{p.change:+.1%} since <code>{text(p.since[:12])}</code>, {p.runs_to_confirm} more runs to confirm"
    if not history.changes:
        return ""
    c = history.changes[-1]
    label = f"{c.change:+.1%} at {c.first_bad[:12]}"
    page = site.compare_page(c.last_good, c.first_bad)
    return link(links.to(page), label) if page else text(label)
