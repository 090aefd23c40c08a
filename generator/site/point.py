"""The page a chart click opens: one series at one commit against the series' own previous point.

A step page compares every series between two consecutive commits of the whole site and lists
only its largest differences, so a clicked series may be missing from it, or not measured at its
base. This page is one for all clicks: the script fills it from the scenario's chart data and the
commit list the chart already fetched (the query names scenario, metric, machine and commit), so
it costs the site no page per point.
"""

from __future__ import annotations

from perfpages.site import urls
from perfpages.site.html import front_matter, text


def series_point_page(links: urls.Links) -> str:
    api = links.to(f"{urls.ROOT}/api/")
    scenarios = links.to(f"{urls.ROOT}/scenarios/")
    compare = links.to(f"{urls.ROOT}/compare/")
    suffix = "/" if links.directory_urls else ".html"
    return (
        front_matter("Series at a commit", searchable=False, hide=("navigation",))
        + "# Series at a commit\n\n"
        + f'<div class="pp-point" data-api="{text(api)}" data-scenarios="{text(scenarios)}" '
        f'data-compare="{text(compare)}" data-suffix="{suffix}">'
        "Open this page from a point of a scenario's trend chart.</div>\n"
    )
