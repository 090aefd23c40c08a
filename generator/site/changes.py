"""The changes page, its Atom feed and the small JSON API for other tools."""

from __future__ import annotations

from dataclasses import dataclass

from perfpages.analysis.history import Change, SeriesHistory
from perfpages.model import CommitInfo
from perfpages.render.comparison import history_json
from perfpages.render.escape import xml_text as xml_escape
from perfpages.render.markdown import plural
from perfpages.render.units import human
from perfpages.site import urls
from perfpages.site.gather import ScenarioGroup, Site
from perfpages.site.html import VERDICTS, front_matter, link, repository_link, secondary, status, text
from perfpages.site.html import table as html_table


@dataclass(frozen=True)
class Listed:
    group: ScenarioGroup
    change: Change


def listed_changes(site: Site) -> list[Listed]:
    """Every confirmed change on main, newest first (by the commit that made it)."""
    position = site.commit_index
    found = [Listed(g, c) for g in site.scenarios for h in g.histories for c in h.changes]
    return sorted(
        found,
        key=lambda item: (
            -position[item.change.first_bad],
            item.group.label,
            item.change.series.key.metric,
            item.change.series.key.machine,
        ),
    )


def changes_page(site: Site, links: urls.Links) -> str:
    infos = {c.sha: c for c in site.commits}
    rows = [_change_row(site, item, infos[item.change.first_bad], links) for item in listed_changes(site)]
    pending = [_pending_row(g, h, links) for g in site.scenarios for h in g.histories if h.pending is not None]
    parts = [
        front_matter("Changes", hide=("navigation",)),
        "# Changes on main\n",
        "Level shifts found by change-point detection, newest first: each needs 5 runs on each side, "
        "and the culprit lies in the commit range shown. Also as an [Atom feed](changes.xml) and "
        "[JSON](api/changes.json).\n",
        html_table(["verdict", "change", "series", "commits", "date"], rows, wrap=(2, 3), classes=VERDICTS)
        if rows
        else "No change points yet.",
        "",
    ]
    if pending:
        parts += [
            "## Unconfirmed\n",
            "Shifts in the newest runs that more runs must confirm before they count.\n",
            html_table(["change", "series", "first run", "to confirm"], pending, wrap=(1,), classes=VERDICTS),
            "",
        ]
    return "\n".join(parts)


def _change_row(site: Site, item: Listed, first_bad: CommitInfo, links: urls.Links) -> list[str]:
    """One change point as HTML cells. Five columns, the verdict first and the subject under its commit
    range, so the table fits the content column and a phone shows the verdict without scrolling."""
    c, key = item.change, item.change.series.key
    page = site.compare_page(c.last_good, c.first_bad)
    commits = f"{c.last_good[:12]}..{c.first_bad[:12]}"
    repo = repository_link(site.repository, "compare", f"{c.last_good}...{c.first_bad}")
    scenario = link(links.to(urls.scenario_page(item.group.slug)), item.group.label)
    commit_cell = link(links.to(page), commits) if page else text(commits)
    commit_cell += f" ({link(repo, 'diff')})" if repo else ""
    subject = first_bad.subject.strip()
    return [
        status(c.verdict.value),
        f"{c.change:+.2%}",
        scenario + secondary(f"{text(key.metric)} · {text(key.machine)}"),
        commit_cell + (secondary(text(subject)) if subject else ""),
        text(first_bad.committer_date[:10]),
    ]


def _pending_row(group: ScenarioGroup, history: SeriesHistory, links: urls.Links) -> list[str]:
    key, pending = history.series.key, history.pending
    scenario = link(links.to(urls.scenario_page(group.slug)), group.label)
    return [
        f"{pending.change:+.2%}",
        scenario + secondary(f"{text(key.metric)} · {text(key.machine)}"),
        f"since <code>{text(pending.since[:12])}</code>",
        plural(pending.runs_to_confirm, "more run"),
    ]


def atom_feed(site: Site, links: urls.Links, site_url: str | None = None) -> bytes:
    """Change points as an Atom feed; timestamps are commit dates, so rebuilding changes nothing.
    ``site_url`` (MkDocs' ``site_url``) makes the self link absolute; without it the link is relative
    to the feed, which is where a reader fetched it from."""
    infos = {c.sha: c for c in site.commits}
    entries = []
    for item in listed_changes(site)[:100]:
        c, key = item.change, item.change.series.key
        page = site.compare_page(c.last_good, c.first_bad) or urls.scenario_page(item.group.slug)
        title = f"{c.verdict.value} {c.change:+.2%}: {item.group.label} {key.metric} on {key.machine}"
        entries.append(
            "<entry>"
            f"<title>{xml_escape(title)}</title>"
            f"<id>urn:perfpages:{xml_escape(key.machine)}:{urls.slugify(item.group.label)}:{xml_escape(key.metric)}:{c.first_bad}</id>"
            f'<link href="{xml_escape(links.to(page))}"/>'
            f"<updated>{xml_escape(infos[c.first_bad].committer_date)}</updated>"
            f"<summary>{xml_escape(_summary(item, infos[c.first_bad]))}</summary>"
            "</entry>"
        )
    updated = site.commits[-1].committer_date if site.commits else "1970-01-01T00:00:00+00:00"
    own = urls.Links(urls.ATOM).url_of(urls.ATOM)
    self_url = f"{site_url.rstrip('/')}/{own}" if site_url else links.to(urls.ATOM)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{xml_escape(site.project_name)} performance changes</title>"
        f"<id>urn:perfpages:{xml_escape(site.project_name)}:changes</id>"
        f'<link rel="self" type="application/atom+xml" href="{xml_escape(self_url)}"/>'
        f"<author><name>{xml_escape(site.project_name)} benchmarks (perfpages)</name></author>"
        f"<updated>{xml_escape(updated)}</updated>" + "".join(entries) + "</feed>\n"
    ).encode()


def _summary(item: Listed, first_bad: CommitInfo) -> str:
    """What changed, by how much, in which series and where, as plain text (escaped by the caller)."""
    c, key, unit = item.change, item.change.series.key, item.change.series.unit
    subject = first_bad.subject.strip() or "(no subject)"
    return (
        f"{item.group.label} · {key.metric} on {key.machine} {c.verdict.value} by {c.change:+.2%} "
        f"({human(c.before, unit)} → {human(c.after, unit)}) in {c.last_good[:12]}..{c.first_bad[:12]}; "
        f"first commit at the new level: {subject}"
    )


def changes_document(site: Site) -> dict:
    return {"series": [history_json(h) for h in site.histories if h.changes or h.pending or h.discontinuities]}


def series_document(site: Site) -> dict:
    return {
        "series": [
            {
                "scenario": h.series.key.scenario,
                "params": dict(h.series.key.params),
                "metric": h.series.key.metric,
                "machine": h.series.key.machine,
                "unit": h.series.unit,
                "direction": h.series.direction.value,
                "points": len(h.series),
                "data": urls.scenario_data(g.slug).removeprefix(f"{urls.ROOT}/api/"),
            }
            for g in site.scenarios
            for h in g.histories
        ]
    }
