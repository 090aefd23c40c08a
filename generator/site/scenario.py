"""A scenario page: a trend chart per metric, its change points and its environments."""

from __future__ import annotations

import json

from perfpages.analysis.environment import describe, environment_change
from perfpages.analysis.history import SeriesHistory
from perfpages.render.comparison import shift_text
from perfpages.render.markdown import escape, table
from perfpages.site import urls
from perfpages.site.gather import ScenarioGroup, Site
from perfpages.site.html import front_matter, repository_link, text


def scenario_page(site: Site, group: ScenarioGroup, links: urls.Links) -> str:
    metrics = sorted({h.series.key.metric for h in group.histories})
    parts = [
        front_matter(group.label, hide=("navigation",)),
        preloads(group, links),
        plotly_early(links),
        f"# {escape(group.label)}\n",
        _intro(group, links),
        _variants_link(site, group, links),
    ]
    for metric in metrics:
        histories = [h for h in group.histories if h.series.key.metric == metric]
        parts += [f"## {escape(metric)}\n", _chart(group, metric, links), _changes(site, histories, links)]
    parts.append(_environments(group))
    return "\n".join(p for p in parts if p)


def preloads(group: ScenarioGroup, links: urls.Links) -> str:
    """What the first chart needs, asked for as soon as the browser sees the page's first bytes.

    The script that asks for plotly (``plotly_early``) runs only once Material's stylesheets have
    loaded, and the page script only after Material's script; the browser's preload scanner reads
    these links long before. plotly then loads beside Material's assets, and is evaluated before
    Material's sitemap is read rather than after. The JSON is preloaded the way ``fetch`` asks for it
    (CORS mode, same-origin credentials), so the script's fetches take these responses. Each page
    instant navigation brings asks for these again; the browser answers from its memory (plotly is
    not evaluated again, see ``plotly_early``). In a block of their own: Markdown would wrap bare
    links in a paragraph."""
    return (
        "<div hidden>\n"
        f'<link rel="preload" href="{text(links.to(urls.PLOTLY))}" as="script">\n'
        f'<link rel="preload" href="{text(links.to(urls.scenario_data(group.slug)))}" as="fetch" crossorigin>\n'
        f'<link rel="preload" href="{text(links.to(urls.COMMITS_JSON))}" as="fetch" crossorigin>\n'
        "</div>\n"
    )


def plotly_early(links: urls.Links) -> str:
    """A script that asks for plotly as the page is parsed: most of a first visit is plotly's own
    load, and the page script (perfpages.js) runs only after Material's. Material runs the page's
    scripts again on each instant navigation, so it asks only when no page of this visit has."""
    src = json.dumps(links.to(urls.PLOTLY))  # a path of the site's own: no untrusted text
    return (
        "<script>window.Plotly || window.ppPlotlyScript || (function (s) { s.async = true; "
        f"s.src = {src}; document.head.appendChild(window.ppPlotlyScript = s); }})(document.createElement('script'));"
        "</script>\n"
    )


def _intro(group: ScenarioGroup, links: urls.Links) -> str:
    tags = " ".join(f'<span class="pp-tag">{text(t)}</span>' for t in group.tags)
    return (
        f"[← overview]({links.md(urls.OVERVIEW)}) {tags}\n\n"
        "Each point is the median of a commit's raw samples; the band around it spans the samples. "
        "The shaded band is the series' threshold, the number in a pull request page's threshold column "
        "(the fence rule, learned from the series' last 30 runs), around the newest value: a pull request "
        "based on the newest commit that moves the value out of it crosses that threshold. Dotted lines "
        "bridge commits this series was not measured at. Vertical lines mark change points (solid) and "
        "environment changes (dotted). Click a point (on a touch screen, tap it twice) to compare it with "
        "the series' own previous point.\n"
    )


def _variants_link(site: Site, group: ScenarioGroup, links: urls.Links) -> str:
    page = site.variant_page(group.name)
    if page is None:
        return ""
    return f"This is one entry of {escape(group.name)}: [compare it with the others]({links.md(page)}).\n"


def _chart(group: ScenarioGroup, metric: str, links: urls.Links) -> str:
    data = links.to(urls.scenario_data(group.slug))
    point = links.to(urls.SERIES_POINT)  # a click opens it with the clicked series and commit in the query
    return (
        f'<div class="pp-chart" data-kind="trend" data-src="{text(data)}" data-metric="{text(metric)}" '
        f'data-point="{text(point)}" data-slug="{text(group.slug)}"></div>\n'
    )


def _changes(site: Site, histories: list[SeriesHistory], links: urls.Links) -> str:
    rows = []
    for h in histories:
        for c in reversed(h.changes):
            page = site.compare_page(c.last_good, c.first_bad)
            commits = f"{c.last_good[:12]}..{c.first_bad[:12]}"
            where = f"[{commits}]({links.md(page)})" if page else commits
            repo = repository_link(site.repository, "compare", f"{c.last_good}...{c.first_bad}")
            rows.append(
                [
                    escape(h.series.key.machine),
                    where,
                    shift_text(c.change, c.before, c.after, h.series.unit),
                    c.verdict.value,
                    f"{c.confidence:.3f}",
                    f"[diff]({repo})" if repo else "",
                ]
            )
        if h.pending is not None:
            p = h.pending
            rows.append(
                [
                    escape(h.series.key.machine),
                    f"since {p.since[:12]}",
                    shift_text(p.change, p.before, p.after, h.series.unit),
                    f"unconfirmed: {p.runs_to_confirm} more runs to confirm",
                    "",
                    "",
                ]
            )
    if not rows:
        return "No change points: the series has held its level (a change needs 5 runs on each side).\n"
    return table(["machine", "commits", "change", "verdict", "confidence", "source"], rows) + "\n"


def _environments(group: ScenarioGroup) -> str:
    """Each environment a machine ran the scenario in, from its first commit, with what changed from
    the one before it (the dotted lines on the charts)."""
    rows = []
    seen = set()
    for h in group.histories:
        previous = ""
        for segment in h.series.segments:
            key = (h.series.key.machine, segment.environment)
            if key not in seen:
                seen.add(key)
                commit = h.series.commits[segment.start]
                changed = environment_change(previous, segment.environment) if previous else "first measured"
                row = [escape(h.series.key.machine), f"`{commit[:12]}`", escape(describe(segment.environment))]
                rows.append([*row, escape(changed)])
            previous = segment.environment
    return "## Environments\n\n" + table(["machine", "first commit", "environment", "changed"], rows) + "\n"
