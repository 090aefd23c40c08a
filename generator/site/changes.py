"""The changes page, its Atom feed and the small JSON API for other tools."""

from __future__ import annotations

from perfpages.analysis.events import Event, PendingEvent, events_newest_first, group_pending, machine_change
from perfpages.analysis.freshness import STALE_AFTER
from perfpages.analysis.series import SeriesKey
from perfpages.model import CommitInfo
from perfpages.render.comparison import history_json, shift_label
from perfpages.render.escape import xml_text as xml_escape
from perfpages.render.markdown import plural
from perfpages.render.units import human
from perfpages.site import urls
from perfpages.site.gather import Site
from perfpages.site.html import VERDICTS, front_matter, link, repository_link, secondary, status, text
from perfpages.site.html import table as html_table
from perfpages.site.triage import machine_runs

FEED_ENTRIES = 100  # the newest events the Atom feed carries; the changes page lists every one


def listed_events(site: Site) -> list[Event]:
    """Every confirmed change on main as events (analysis/events.py), newest first; at one
    commit, by the scenario of each event's first change."""
    return events_newest_first((c for h in site.histories for c in h.changes), site.commit_index)


def event_anchor(event: Event | PendingEvent) -> str:
    """The id of an event's folded list on the changes page."""
    first = event.first_bad if isinstance(event, Event) else event.since
    before = event.last_good[:8] if isinstance(event, Event) else "pending"
    return f"event-{before}-{first[:8]}-{urls.slugify(event.machine)}"


def environment_note(site: Site, event: Event) -> str:
    """ " · machine changed: ...", when the machine's runs at the event's two commits differ in
    more than what differs every run; plain text, escaped by the caller."""
    change = machine_change(event, site.fingerprints)
    return f" · machine changed: {change}" if change else ""


def changes_page(site: Site, links: urls.Links) -> str:
    infos = {c.sha: c for c in site.commits}
    slugs = _slugs(site)
    events = listed_events(site)
    rows = [_event_row(site, e, infos, slugs, links) for e in events]
    folds = [_event_fold(site, e, infos, slugs, links) for e in events if len(e.changes) > 1]
    shifts = sum(len(e.changes) for e in events)
    runs = machine_runs(site)
    unconfirmed = [h for h in site.histories if h.pending is not None]
    # No run will ever confirm a shift of a series that is no longer measured.
    current = [h.pending for h in unconfirmed if not runs.freshness(h.series).stale]
    pending = group_pending(current)
    left_out = len(unconfirmed) - len(current)
    parts = [
        front_matter("Changes", hide=("navigation",)),
        "# Changes on main\n",
        "Level shifts found by change-point detection, newest first: each needs 5 runs on each side, "
        "and the culprit lies in the commit range shown. Shifts of one machine in the same commit range "
        f"are one event, its series listed below the table ({plural(shifts, 'shift')} in "
        f"{plural(len(events), 'event')}, all listed here). Also as an [Atom feed](changes.xml) of the newest "
        f"{FEED_ENTRIES} events and as [JSON](api/changes.json) of every series' shifts.\n",
        html_table(["verdict", "change", "series", "commits", "date"], rows, wrap=(2, 3), classes=VERDICTS)
        if rows
        else "No change points yet.",
        "",
        *folds,
    ]
    if pending:
        parts += [
            "## Unconfirmed\n",
            "Shifts in the newest runs that more runs must confirm before they count; those of one "
            "machine that start at the same commit are one line.\n",
            html_table(
                ["change", "series", "first run", "to confirm"],
                [_pending_row(p, slugs, links) for p in pending],
                wrap=(1,),
                classes=VERDICTS,
            ),
            "",
            *(_pending_fold(p, slugs, links) for p in pending if len(p.pending) > 1),
        ]
    if left_out:
        parts += [
            f"{plural(left_out, 'unconfirmed shift')} of stale series left out: not measured in the newest "
            f"{STALE_AFTER} runs of their machine (or their machine stopped), they will get no runs to confirm them.\n"
        ]
    return "\n".join(parts)


def _slugs(site: Site) -> dict[SeriesKey, str]:
    return {h.series.key: g.slug for g in site.scenarios for h in g.histories}


def _event_row(site: Site, e: Event, infos: dict, slugs: dict[SeriesKey, str], links: urls.Links) -> list[str]:
    """One event as HTML cells. Five columns, the verdict first and the subject under its commit
    range, so the table fits the content column and a phone shows the verdict without scrolling."""
    page = site.compare_page(e.last_good, e.first_bad)
    commits = f"{e.last_good[:12]}..{e.first_bad[:12]}"
    repo = repository_link(site.repository, "compare", f"{e.last_good}...{e.first_bad}")
    head = infos[e.first_bad]
    commit_cell = link(links.to(page), commits) if page else text(commits)
    commit_cell += f" ({link(repo, 'diff')})" if repo else ""
    subject = head.subject.strip()
    if len(e.changes) == 1:
        c = e.changes[0]
        verdict, change = status(c.verdict.value), text(shift_label(c.change, c.before, c.after, c.series.unit))
        series = _scenario_link(c.series.key, slugs, links) + secondary(
            f"{text(c.series.key.metric)} · {text(e.machine)}"
        )
    else:
        changes = [c.change for c in e.changes]
        verdict = status("regressed" if e.regressions else "improved")
        change = f"{min(changes):+.2%} to {max(changes):+.2%}"
        together = f'<a href="#{text(event_anchor(e))}">{len(e.changes)} series</a> moved together'
        series = together + secondary(f"{e.regressions} regressed, {e.improvements} improved · {text(e.machine)}")
    return [
        verdict,
        change,
        series,
        commit_cell + (secondary(text(subject)) if subject else ""),
        text(head.committer_date[:10]),
    ]


def _event_fold(site: Site, e: Event, infos: dict, slugs: dict[SeriesKey, str], links: urls.Links) -> str:
    date = infos[e.first_bad].committer_date[:10]
    summary = (
        f"At {e.last_good[:12]}..{e.first_bad[:12]} ({date}), {len(e.changes)} series on {e.machine} moved "
        f"together: {e.regressions} regressed, {e.improvements} improved{environment_note(site, e)}"
    )
    rows = [
        [
            _scenario_link(c.series.key, slugs, links),
            text(c.series.key.metric),
            text(shift_label(c.change, c.before, c.after, c.series.unit)),
            status(c.verdict.value),
        ]
        for c in e.changes
    ]
    return _fold(event_anchor(e), summary, ["scenario", "metric", "change", "verdict"], rows)


def _pending_row(p: PendingEvent, slugs: dict[SeriesKey, str], links: urls.Links) -> list[str]:
    first = p.pending[0]
    if len(p.pending) == 1:
        series = _scenario_link(first.series.key, slugs, links) + secondary(
            f"{text(first.series.key.metric)} · {text(p.machine)}"
        )
        size = shift_label(first.change, first.before, first.after, first.series.unit)
        change, confirm = text(size), plural(first.runs_to_confirm, "more run")
    else:
        changes = [x.change for x in p.pending]
        runs = [x.runs_to_confirm for x in p.pending]
        together = f'<a href="#{text(event_anchor(p))}">{len(p.pending)} series</a> moved together'
        series = together + secondary(text(p.machine))
        change = f"{min(changes):+.2%} to {max(changes):+.2%}"
        confirm = f"{min(runs)}–{max(runs)} more runs" if min(runs) != max(runs) else plural(runs[0], "more run")
    return [change, series, f"since <code>{text(p.since[:12])}</code>", confirm]


def _pending_fold(p: PendingEvent, slugs: dict[SeriesKey, str], links: urls.Links) -> str:
    summary = f"Since {p.since[:12]}, {len(p.pending)} series on {p.machine} may have moved together"
    rows = [
        [
            _scenario_link(x.series.key, slugs, links),
            text(x.series.key.metric),
            text(shift_label(x.change, x.before, x.after, x.series.unit)),
            plural(x.runs_to_confirm, "more run"),
        ]
        for x in p.pending
    ]
    return _fold(event_anchor(p), summary, ["scenario", "metric", "change", "to confirm"], rows)


def _scenario_link(key: SeriesKey, slugs: dict[SeriesKey, str], links: urls.Links) -> str:
    return link(links.to(urls.scenario_page(slugs[key])), key.label)


def _fold(anchor: str, summary: str, headers: list[str], rows: list[list[str]]) -> str:
    """A folded table; ``summary`` is plain text (escaped here), cells HTML (escaped by the caller)."""
    return (
        f'<details class="pp-event" id="{text(anchor)}"><summary>{text(summary)}</summary>\n\n'
        f"{html_table(headers, rows, wrap=(0,), classes=VERDICTS)}\n</details>\n"
    )


def atom_feed(site: Site, links: urls.Links, site_url: str | None = None) -> bytes:
    """Change points as an Atom feed, one entry per event; timestamps are commit dates, so
    rebuilding changes nothing. ``site_url`` (MkDocs' ``site_url``) makes the self link absolute;
    without it the link is relative to the feed, which is where a reader fetched it from."""
    infos = {c.sha: c for c in site.commits}
    slugs = _slugs(site)
    events = listed_events(site)
    entries = []
    for event in events[:FEED_ENTRIES]:
        title, entry_id, page = _entry_identity(site, event, slugs)
        entries.append(
            "<entry>"
            f"<title>{xml_escape(title)}</title>"
            f"<id>{entry_id}</id>"
            f'<link href="{xml_escape(links.to(page))}"/>'
            f"<updated>{xml_escape(infos[event.first_bad].committer_date)}</updated>"
            f"<summary>{xml_escape(_summary(site, event, infos[event.first_bad]))}</summary>"
            "</entry>"
        )
    updated = site.commits[-1].committer_date if site.commits else "1970-01-01T00:00:00+00:00"
    self_url = _feed_url(site_url, links, urls.ATOM)
    page_url = _feed_url(site_url, links, urls.CHANGES)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{xml_escape(site.project_name)} performance changes</title>"
        f"<id>urn:perfpages:{xml_escape(site.project_name)}:changes</id>"
        f'<link rel="self" type="application/atom+xml" href="{xml_escape(self_url)}"/>'
        f'<link rel="alternate" type="text/html" href="{xml_escape(page_url)}"/>'
        f"<subtitle>{xml_escape(_subtitle(len(entries), len(events), page_url if site_url else ''))}</subtitle>"
        f"<author><name>{xml_escape(site.project_name)} benchmarks (perfpages)</name></author>"
        f"<updated>{xml_escape(updated)}</updated>" + "".join(entries) + "</feed>\n"
    ).encode()


def _feed_url(site_url: str | None, links: urls.Links, path: str) -> str:
    """A URL in the feed: absolute with MkDocs' ``site_url``, else relative to the feed."""
    own = urls.Links(urls.ATOM, links.directory_urls).url_of(path)
    return f"{site_url.rstrip('/')}/{own}" if site_url else links.to(path)


def _subtitle(carried: int, events: int, page_url: str) -> str:
    """Says what the feed leaves out: a reader sees only its entries, and the oldest are cut.
    ``page_url`` is the changes page's absolute URL, or "" when the site's address is unknown
    (a relative path means nothing in a feed reader's text)."""
    what = "shifts of one machine in one commit range, newest first"
    where = page_url or "the dashboard's changes page"
    if carried < events:
        return f"The newest {carried} of {events} events ({what}); all of them on {where}"
    return f"All {plural(events, 'event')} ({what}); also on {where}"


def _summary(site: Site, event: Event, first_bad: CommitInfo) -> str:
    """What changed, by how much, in which series and where, as plain text (escaped by the caller)."""
    subject = first_bad.subject.strip() or "(no subject)"
    where = f"in {event.last_good[:12]}..{event.first_bad[:12]}; first commit at the new level: {subject}"
    if len(event.changes) == 1:
        c, key, unit = event.changes[0], event.changes[0].series.key, event.changes[0].series.unit
        return (
            f"{key.label} · {key.metric} on {event.machine} {c.verdict.value} by "
            f"{shift_label(c.change, c.before, c.after, unit)} "
            f"({human(c.before, unit)} → {human(c.after, unit)}) {where}"
        )
    changes = [c.change for c in event.changes]
    return (
        f"{len(event.changes)} series on {event.machine} moved together ({event.regressions} regressed, "
        f"{event.improvements} improved, {min(changes):+.2%} to {max(changes):+.2%}){environment_note(site, event)} "
        + where
    )


def _entry_identity(site: Site, event: Event, slugs: dict[SeriesKey, str]) -> tuple[str, str, str]:
    """An entry's title, id (escaped) and page. A one-series event keeps the id a change of that
    series always had, so feed readers do not show it again."""
    machine = event.machine
    page = site.compare_page(event.last_good, event.first_bad)
    if len(event.changes) == 1:
        c, key = event.changes[0], event.changes[0].series.key
        size = shift_label(c.change, c.before, c.after, c.series.unit)
        title = f"{c.verdict.value} {size}: {key.label} {key.metric} on {machine}"
        series_id = f"{xml_escape(machine)}:{urls.slugify(key.label)}:{xml_escape(key.metric)}"
        entry_id = f"urn:perfpages:{series_id}:{c.first_bad}"
        return title, entry_id, page or urls.scenario_page(slugs[key])
    title = (
        f"{len(event.changes)} series on {machine} moved together at {event.last_good[:12]}..{event.first_bad[:12]}: "
        f"{event.regressions} regressed, {event.improvements} improved"
    )
    entry_id = f"urn:perfpages:{xml_escape(machine)}:event:{event.last_good}..{event.first_bad}"
    return title, entry_id, page or urls.CHANGES


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
