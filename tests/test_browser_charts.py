"""Trend charts in a real browser: readable ranges and units, commit ticks, a panel per machine,
a click that stays on the clicked series, and a phone's taps. Uses test_browser's fixtures."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
import triagehistory as th
from chartshistory import SMALL_STEP_AT, make_charts_project
from sitehistory import PR_NUMBER, sha
from test_browser import (  # noqa: F401  (fixtures and the skip mark)
    browser,
    built_and_served,
    page,
    point_position,
    pytestmark,
    shot,
    variants_drawn,
    variants_url,
)

from perfpages.model import Direction, Measurement
from perfpages.render.units import human
from perfpages.results.store import write_run
from perfpages.site.build import MINIMAL_MKDOCS_YML
from scenarios.site_bench import COUNT_PLOTLY  # the benchmark counts plotly's evaluations the same way


@pytest.fixture(scope="module")
def charts_site(tmp_path_factory):
    """(URL of the served site, its folder) for chartshistory's project.

    Material navigates instantly only to pages its sitemap lists at the same port, so the site is
    built for the URL it is served at, as a published site is."""
    root = make_charts_project(tmp_path_factory.mktemp("charts") / "demo")
    with built_and_served(root, for_its_url=True) as url:
        yield url, root / "site"


def scenario_url(site, name: str) -> str:
    url, folder = site
    (path,) = (folder / "perf" / "scenarios").glob(f"{name}-*")
    return f"{url}perf/scenarios/{path.name}/"


def chart_data(site, name: str) -> dict:
    (path,) = (site[1] / "perf" / "api" / "scenarios").glob(f"{name}-*.json")
    return json.loads(path.read_text())


def drawn(tab):
    tab.wait_for_function("document.querySelector('.pp-chart').dataset.state === 'drawn'", timeout=20000)
    return tab.locator(".pp-chart").first


def layout(tab, expression: str):
    return tab.evaluate(
        f"(() => {{ const l = document.querySelector('.pp-chart')._fullLayout; return {expression}; }})()"
    )


def test_the_y_range_follows_the_data_and_clips_a_wider_threshold_band(page, charts_site):  # noqa: F811
    page.goto(scenario_url(charts_site, "flaky"))
    drawn(page)
    (series,) = chart_data(charts_site, "flaky")["metrics"][0]["series"]
    low, high = min(series["lo"]) * 1e3, max(series["hi"]) * 1e3  # the axis is in ms
    y0, y1 = layout(page, "l.yaxis.range")
    margin = 0.1 * (high - low)
    assert low - margin <= y0 <= low and high <= y1 <= high + margin
    t = series["threshold"]
    assert t["threshold"] > 1  # a band over 100% wide: it would have stretched the axis below 0
    band = layout(page, "l.shapes.find(s => s.type === 'rect')")
    assert band["y1"] > y1 and band["y0"] < y0  # drawn, and clipped by the range
    labels = layout(page, "l.annotations.map(a => a.text)")
    assert f"bench-3 · threshold {t['label']} (band beyond the axis)" in labels  # the panel's title
    shot(page, "chart-flaky-threshold")


def test_the_band_is_the_threshold_of_the_pr_page(page, charts_site):  # noqa: F811
    url, _ = charts_site
    page.goto(f"{url}perf/pr/{PR_NUMBER}/{sha('pr-head')[:12]}/")
    row = page.locator("article tr", has=page.get_by_role("link", name="parse", exact=True)).first
    threshold = re.search(r"±[0-9.]+%", row.inner_text())[0]
    page.goto(scenario_url(charts_site, "parse"))
    drawn(page)
    labels = layout(page, "l.annotations.map(a => a.text)")
    assert f"bench-1 · threshold {threshold} · wall_time (s)" in labels  # bench-1 ran the PR


def test_axis_and_tooltip_name_the_unit_as_the_tables_do(page, charts_site):  # noqa: F811
    page.goto(scenario_url(charts_site, "flaky"))
    chart = drawn(page)
    ticks = chart.locator(".yaxislayer-above .ytick text").all_text_contents()
    assert ticks and all(t.endswith(" ms") for t in ticks), ticks
    assert layout(page, "l.yaxis.title.text") == "wall_time (ms)"
    (series,) = chart_data(charts_site, "flaky")["metrics"][0]["series"]
    where = point_position(page, "bench-3", 7)
    page.mouse.move(where["x"], where["y"])
    chart.locator(".hoverlayer text").first.wait_for()
    assert human(series["y"][7], "s") in chart.locator(".hoverlayer").text_content()  # "1.01 ms", as a table cell
    x_ticks = chart.locator(".xaxislayer-above .xtick text").all_text_contents()
    assert any(sha(0)[:7] in t and "2026-09-01" in t for t in x_ticks), x_ticks  # date and short SHA
    # Zoomed in (as the range slider does), the commit ticks are placed again, one per commit here.
    page.evaluate("Plotly.relayout(document.querySelector('.pp-chart'), {'xaxis.range': [10.5, 15.5]})")
    page.wait_for_function("document.querySelector('.pp-chart')._fullLayout.xaxis.tickvals.length === 5")
    assert layout(page, "l.xaxis.tickvals") == [11, 12, 13, 14, 15]


def test_machines_at_different_levels_get_a_panel_each_with_their_own_change_labels(page, charts_site):  # noqa: F811
    page.goto(scenario_url(charts_site, "parse"))
    drawn(page)
    axes = layout(page, "Object.keys(l).filter(k => /^yaxis\\d*$/.test(k)).length")
    assert axes == 3
    labels = layout(page, "l.annotations.map(a => a.text)")
    assert "bench-3 +2.3%" in labels and "bench-1 +20.5%" in labels
    # The small step is readable on its own axis: it spans a good share of bench-3's range.
    y0, y1 = layout(page, "l.yaxis3.range")
    assert 2.0 * 1.2 * 0.023 / (y1 - y0) > 0.05
    # bench-2 missed every other commit: a dotted bridge spans each gap, and its line breaks there.
    bridge = page.evaluate("document.querySelector('.pp-chart').data.find(t => t.name === 'bench-2 not measured')")
    assert bridge["line"]["dash"] == "dot" and None in bridge["y"]
    shot(page, "chart-machines")
    page.locator('label[title="Switch to dark mode"]').click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    page.wait_for_timeout(300)
    # The re-theme after a window resize (the screenshot above) keeps the panels' height.
    assert page.evaluate("document.querySelector('.pp-chart').getBoundingClientRect().height") == 150 + 190 * 3
    assert layout(page, "l.height") == 150 + 190 * 3
    shot(page, "chart-machines-dark")


def test_a_click_opens_the_clicked_series_against_its_own_previous_point(page, charts_site):  # noqa: F811
    page.goto(scenario_url(charts_site, "parse"))
    drawn(page)
    # bench-2 ran only at even commits: its point 14 is commit 28, its previous one commit 26.
    where = point_position(page, "bench-2", 14)
    page.mouse.click(where["x"], where["y"])
    page.wait_for_url(re.compile(rf"/perf/compare/series/\?.*at={sha(28)[:12]}"))
    page.wait_for_function("document.querySelector('.pp-point').dataset.state === 'drawn'")
    box = page.locator(".pp-point")
    sides = box.locator("table").first.inner_text()
    assert sha(26)[:12] in sides and sha(28)[:12] in sides
    data = chart_data(charts_site, "parse")["metrics"][0]["series"][1]
    assert data["machine"] == "bench-2"
    assert human(data["y"][13], "s") in sides and human(data["y"][14], "s") in sides
    assert "1 commit on main between them had no run of this series" in box.inner_text()
    rows = box.locator("table").nth(1).locator("tbody tr")
    first = rows.first.inner_text()
    assert "wall_time" in first and "bench-2" in first and sha(26)[:12] in first
    page.fill(".pp-point-filter", "bench-3")
    assert box.locator("table").nth(1).locator("tbody tr:not([hidden])").count() == 1
    shot(page, "series-point")


def test_on_a_phone_the_legend_clears_the_slider_and_a_tap_shows_the_tooltip(browser, charts_site):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.goto(scenario_url(charts_site, "serve-body-10"))
    chart = drawn(tab)
    legend = chart.locator(".legend").bounding_box()
    slider = chart.locator(".rangeslider-container").bounding_box()
    overlap_x = min(legend["x"] + legend["width"], slider["x"] + slider["width"]) - max(legend["x"], slider["x"])
    overlap_y = min(legend["y"] + legend["height"], slider["y"] + slider["height"]) - max(legend["y"], slider["y"])
    assert overlap_x <= 0 or overlap_y <= 0, (legend, slider)
    assert chart.locator(".modebar").count() == 0 or not chart.locator(".modebar").is_visible()
    legend_names = chart.locator(".legendtext").all_text_contents()
    assert all(re.fullmatch(r"bench-\d · threshold ±[0-9.]+%( \(band beyond the axis\))?", n) for n in legend_names)
    before = tab.url
    where = point_position(tab, "bench-1", SMALL_STEP_AT)
    tab.touchscreen.tap(where["x"], where["y"])
    chart.locator(".hoverlayer text").first.wait_for()
    tab.wait_for_timeout(300)
    assert tab.url == before  # the first tap only shows the tooltip
    assert "tap again to compare" in chart.locator(".hoverlayer").text_content()
    shot(tab, "chart-phone-tooltip")
    tab.touchscreen.tap(where["x"], where["y"])
    tab.wait_for_url(re.compile(rf"/perf/compare/series/\?.*at={sha(SMALL_STEP_AT)[:12]}"))
    context.close()


def test_distribution_tooltips_write_samples_as_the_tables_do(page, charts_site):  # noqa: F811
    url, folder = charts_site
    page.goto(f"{url}perf/pr/{PR_NUMBER}/{sha('pr-head')[:12]}/")
    page.wait_for_function("document.querySelector('.pp-chart').dataset.state === 'drawn'", timeout=20000)
    (samples,) = (folder / "perf" / "api" / "samples" / "pr" / str(PR_NUMBER)).glob("*.json")
    first = json.loads(samples.read_text())["series"][0]
    shown = page.evaluate("document.querySelector('.pp-chart').data[0].customdata")
    assert shown == [human(v, first["unit"]) for v in first["base"]]


def test_plotly_is_evaluated_once_a_visit_across_instant_navigation(page, charts_site):  # noqa: F811
    # Downloaded once: each page instant navigation brings preloads plotly again, which the browser
    # answers from its cache or by revalidating it (304, no body).
    downloads = []
    page.on(
        "response", lambda r: downloads.append(r.url) if r.url.endswith("plotly.min.js") and r.status == 200 else None
    )
    page.add_init_script(COUNT_PLOTLY)
    page.goto(scenario_url(charts_site, "parse"))
    drawn(page)
    page.evaluate("window.sameDocument = true")  # gone after a full page load
    for name in ("flaky", "serve[body=10]"):
        page.get_by_role("link", name="← overview").first.click()
        page.wait_for_function("!!document.querySelector('.pp-overview')")
        page.get_by_role("link", name=name, exact=True).first.click()
        page.wait_for_function("document.querySelector('.pp-chart')?.dataset.state === 'drawn'", timeout=20000)
    assert page.evaluate("window.sameDocument") is True  # Material swapped the pages in: one page load
    assert page.evaluate("window.plotlyEvaluations") == 1
    assert len(downloads) == 1


# Records, as each state is set, what the first trend chart holds: its traces, whether the range
# slider shows, the plot's height and bottom margin; and the chart's state when DOMContentLoaded fires.
RECORD_STATES = """
window.chartStates = [];
new MutationObserver(function (changes) {
  changes.forEach(function (change) {
    var div = change.target;
    if (div !== document.querySelector('.pp-chart') || !div._fullLayout) return;
    window.chartStates.push({
      state: div.dataset.state, fills: div.data.filter(function (t) { return t.fill; }).length,
      lines: div.data.filter(function (t) { return !t.fill; }).length,
      slider: !!div.querySelector('.rangeslider-container'), height: div._fullLayout._size.h,
      bottom: div._fullLayout._size.b, givenBottom: div.layout.margin.b,
    });
  });
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
window.addEventListener('DOMContentLoaded', function () {
  var div = document.querySelector('.pp-chart');
  window.stateAtContentLoaded = div ? div.dataset.state || null : 'no chart';
}, true);
"""


def test_a_chart_shows_its_points_first_then_its_spread_and_slider_without_moving(page, charts_site):  # noqa: F811
    """The first draw leaves out the samples' spread and the range slider (the bench's floor compares
    it with plotly's own newPlot); they follow without moving the plot."""
    page.add_init_script(RECORD_STATES)
    page.goto(scenario_url(charts_site, "parse"))
    drawn(page)
    points, complete = page.evaluate("window.chartStates")
    assert points["state"] == "points" and complete["state"] == "drawn"
    assert points["fills"] == 0 and not points["slider"]
    assert complete["fills"] >= 1 and complete["slider"]
    assert points["lines"] == complete["lines"]  # every point, bridge and line is in the first draw
    assert abs(points["height"] - complete["height"]) <= 1
    # The first figure gives the tick labels the room automargin would find: a wider margin found
    # makes plotly draw the whole figure a second time.
    assert points["bottom"] == points["givenBottom"]


# Holds every animation frame half a second, so a test can act between a chart's two draws.
SLOW_FRAMES = """
const frame = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = callback => frame(() => setTimeout(() => frame(callback), 500));
"""


def test_what_the_reader_does_between_the_two_draws_stays(page, charts_site):  # noqa: F811
    """Dark mode chosen, or a zoom, while only the points show is not undone by the full figure."""
    page.add_init_script(SLOW_FRAMES)
    page.goto(scenario_url(charts_site, "parse"))
    page.wait_for_function("document.querySelector('.pp-chart').dataset.state === 'points'", timeout=15000)
    page.locator('label[title="Switch to dark mode"]').click()
    page.evaluate("window.Plotly.relayout(document.querySelector('.pp-chart'), {'xaxis.range': [5, 15]})")
    drawn(page)
    colours, xrange = page.evaluate(
        "() => { const d = document.querySelector('.pp-chart');"
        " return [[d.layout.font.color, d.layout.xaxis.gridcolor], d.layout.xaxis.range]; }"
    )
    dark = page.evaluate(
        "() => { const s = getComputedStyle(document.body); return ['--md-default-fg-color',"
        " '--md-default-fg-color--lightest'].map(v => s.getPropertyValue(v).trim()); }"
    )
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    assert colours == dark
    assert xrange == [5, 15]


def test_a_chart_starts_as_the_page_script_runs_and_takes_its_preloaded_data(page, charts_site):  # noqa: F811
    """Its data loads while plotly does, not once Material's DOMContentLoaded handlers have run; the
    script's fetch takes the page's preloaded response (one request, not two)."""
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)
    page.add_init_script(RECORD_STATES)
    page.goto(scenario_url(charts_site, "parse"))
    drawn(page)
    assert page.evaluate("window.stateAtContentLoaded") != "no chart"
    assert page.evaluate("window.stateAtContentLoaded") is not None  # already loading (or drawn)
    data = [u for u in requests if "/api/scenarios/" in u]
    assert len(data) == 1 and len([u for u in requests if u.endswith("/api/commits.json")]) == 1


def test_variant_charts_name_the_unit_on_every_tick_as_the_tables_do(page, variants_url):  # noqa: F811
    page.goto(variants_url)
    variants_drawn(page)
    chart = page.locator('.pp-vchart[data-view="percentiles"]')
    ticks = chart.locator(".yaxislayer-above .ytick text").all_text_contents()
    assert ticks and all(t.endswith(" ms") for t in ticks), ticks  # 30 ms, not 0.03 or 30m
    assert "10 ms" in page.locator(".pp-vtable table").inner_text()


STAIRS = (12, 19, 26, 33)  # the commits a level steps up 30% at: 7 commits apart, about 50 px on a phone


@pytest.fixture(scope="module")
def stairs_url(tmp_path_factory):
    """The scenario page of one series on bm-2 that steps up at each of STAIRS."""
    root = tmp_path_factory.mktemp("stairs") / "demo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Stairs\n")
    (root / "mkdocs.yml").write_text(MINIMAL_MKDOCS_YML.format(site_name="stairs"))
    rng = np.random.default_rng(1)
    for i in range(th.COMMITS):
        run = th.run("bm-2", i, rng)
        level = 1.3 ** sum(i >= at for at in STAIRS)
        samples = tuple(level * (1 + rng.normal(0, 0.005, 5)))
        rows = (Measurement("stairs", "wall_time", "s", Direction.LOWER, run.head.sha, samples),)
        write_run(root / "results", replace(run, measurements=rows))
    with built_and_served(root) as url:
        yield url, root / "site"


@pytest.mark.parametrize("width", [390, 1280])
def test_labels_of_change_points_close_together_never_touch(browser, stairs_url, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=width < 500)
    tab = context.new_page()
    tab.goto(scenario_url(stairs_url, "stairs"))
    drawn(tab)
    boxes = tab.evaluate(
        """() => [...document.querySelectorAll('.pp-chart g.annotation')]
            .filter(g => /^bm-2 [+-][0-9.]+%$/.test(g.textContent))
            .map(g => { const r = g.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; })"""
    )
    assert len(boxes) == len(STAIRS)
    touching = [
        (a, b)
        for n, a in enumerate(boxes)
        for b in boxes[n + 1 :]
        if a[0] < b[1] + 2 and b[0] < a[1] + 2 and a[2] < b[3] and b[2] < a[3]
    ]
    assert touching == [], touching
    if width > 1000:  # room enough: one row, each label rightwards from its line
        assert len({round(top) for _, _, top, _ in boxes}) == 1
    shot(tab, f"chart-labels-{width}")
    context.close()
