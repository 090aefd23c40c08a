"""The built site in a real browser (Playwright + Debian's Chromium), like a user would use it.

Screenshots of every page type land in test-artifacts/screenshots/ (or $PERFPAGES_ARTIFACTS).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitehistory import COMMITS, HOSTILE_PARAM, HOSTILE_SUBJECT, PR_NUMBER, STEP_AT, make_project, sha

from perfpages.site.build import generate, mkdocs_build, mkdocs_settings

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("PERFPAGES_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts")) / "screenshots"

# .ci/run installs chromium and sets PERFPAGES_REQUIRE_BROWSER, so CI fails rather than skips without it.
pytestmark = pytest.mark.skipif(
    not shutil.which(CHROMIUM) and not os.environ.get("PERFPAGES_REQUIRE_BROWSER"),
    reason=f"{CHROMIUM} not installed (apt-get install chromium)",
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def built_and_served(root: Path, for_its_url: bool = False) -> Iterator[str]:
    """Generate and build the project at ``root``, serve its site; yields the site's base URL.

    ``for_its_url`` builds it with ``site_url`` set to that URL: Material navigates instantly only
    to pages its sitemap lists at the same host and port, as on a published site."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "site")))
    url = f"http://127.0.0.1:{server.server_port}/"
    if for_its_url:
        config = root / "mkdocs.yml"
        config.write_text(f"site_url: {url}\n" + config.read_text())
    settings = mkdocs_settings(root / "mkdocs.yml")
    generate(root / "perfpages.yml", root / "results", settings)
    mkdocs_build(settings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield url
    finally:
        server.shutdown()


def point_position(tab, trace_name: str, index: int) -> dict:
    """Where the point ``index`` of the trace named ``trace_name`` is on the page."""
    return tab.evaluate(
        """([name, index]) => {
            const div = document.querySelector('.pp-chart');
            const trace = div._fullData.find(t => t.name.split(' · ')[0] === name && t.customdata);
            const at = trace.customdata.findIndex(c => c && c[4] === index);
            const x = div._fullLayout.xaxis, y = div._fullLayout[trace.yaxis.replace('y', 'yaxis')];
            const box = div.getBoundingClientRect();
            return {x: box.left + x._offset + x.l2p(trace.x[at]), y: box.top + y._offset + y.l2p(trace.y[at])};
        }""",
        [trace_name, index],
    )


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    with built_and_served(make_project(tmp_path_factory.mktemp("browser") / "demo")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh page that fails the test on any console error, page error or dialog (an alert() from a payload)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield tab
    context.close()
    assert problems == []


def shot(tab, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def drawn(tab, kind: str = "trend"):
    chart = tab.locator(f'.pp-chart[data-kind="{kind}"]').first
    chart.locator("xpath=.").wait_for()
    tab.wait_for_function(
        f"document.querySelector('.pp-chart[data-kind=\"{kind}\"]').dataset.state === 'drawn'", timeout=15000
    )
    return chart


def test_overview_loads_no_plotly_and_leads_to_a_drawn_chart(page, site_url):
    page.goto(site_url + "perf/")
    assert page.locator(".pp-overview tbody tr").count() == 3
    assert page.evaluate("typeof window.Plotly") == "undefined"
    assert page.locator("script[src*=plotly]").count() == 0
    shot(page, "overview")
    page.get_by_role("link", name="parse", exact=True).click()
    chart = drawn(page)
    points = chart.locator(".cartesianlayer .scatterlayer path.point")
    assert points.count() == COMMITS  # one marker per measured commit
    shot(page, "scenario")


def test_overview_filter_and_machine_selector(page, site_url):
    page.goto(site_url + "perf/")
    page.fill("#pp-filter", "serve")
    assert page.locator(".pp-overview tbody tr:not([hidden])").count() == 1
    page.fill("#pp-filter", "")
    page.locator('button.pp-tag[data-tag="core"]').click()
    assert page.locator(".pp-overview tbody tr:not([hidden])").count() == 1
    page.locator('button.pp-tag[data-tag="core"]').click()
    page.select_option("#pp-machine", "bench-1")
    assert page.locator(".pp-overview tbody tr:not([hidden])").count() == 3


def test_hover_shows_the_commit_subject_as_text(page, site_url):
    page.goto(site_url + "perf/")
    page.get_by_role("link", name="parse", exact=True).click()
    chart = drawn(page)
    chart.locator(".cartesianlayer .scatterlayer path.point").nth(7).hover(force=True)
    chart.locator(".hoverlayer text").first.wait_for()
    assert HOSTILE_SUBJECT in chart.locator(".hoverlayer").text_content()  # shown literally, not run
    chart.locator(".cartesianlayer .scatterlayer path.point").nth(30).hover(force=True)
    page.wait_for_function("document.querySelector('.hoverlayer').textContent.includes('Change number 30')")


def test_dark_mode_rethemes_the_chart(page, site_url):
    page.goto(site_url + "perf/")
    page.get_by_role("link", name="parse", exact=True).click()
    chart = drawn(page)
    light = chart.evaluate("div => div._fullLayout.font.color")
    page.locator('label[title="Switch to dark mode"]').click()
    page.wait_for_function(f"document.querySelector('.pp-chart')._fullLayout.font.color !== {light!r}")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    shot(page, "scenario-dark")


def test_clicking_a_point_opens_the_series_and_then_the_comparison_with_its_parent(page, site_url):
    page.goto(site_url + "perf/")
    page.get_by_role("link", name="parse", exact=True).click()
    chart = drawn(page)
    chart.locator(".cartesianlayer .scatterlayer path.point").nth(STEP_AT).click(force=True)
    page.wait_for_url(f"**/perf/compare/series/?*at={sha(STEP_AT)[:12]}")
    page.get_by_role("link", name=f"{sha(STEP_AT - 1)[:12]}..{sha(STEP_AT)[:12]}").click()
    page.wait_for_url(f"**/perf/compare/{sha(STEP_AT - 1)[:12]}..{sha(STEP_AT)[:12]}/")
    assert "1 level shift at this commit" in page.locator("article").inner_text()
    drawn(page, "distribution")
    shot(page, "compare")


def test_pr_permalink_is_reachable_from_the_overview(page, site_url):
    page.goto(site_url + "perf/")
    page.get_by_role("link", name="pull requests").click()
    page.get_by_role("link", name=f"#{PR_NUMBER}").click()
    page.get_by_role("link", name=sha("pr-head")[:12]).first.click()
    page.wait_for_url(f"**/perf/pr/{PR_NUMBER}/{sha('pr-head')[:12]}/")
    article = page.locator("article").inner_text()
    assert "1 regression and 1 improvement" in article
    assert "feature/<b>thorough</b>" in article  # the branch name, as text
    chart = drawn(page, "distribution")
    assert chart.locator(".boxlayer .trace").count() == 4  # base and head for two changed series
    shot(page, "pr")


def test_hostile_strings_show_as_text_everywhere(page, site_url):
    page.goto(site_url + "perf/")
    page.get_by_role("link", name=f"render[template={HOSTILE_PARAM}]").click()
    assert page.locator("h1").inner_text() == f"render[template={HOSTILE_PARAM}]"
    assert page.title().startswith(f"render[template={HOSTILE_PARAM}]")
    drawn(page)
    page.goto(site_url + "perf/changes/")
    shot(page, "changes")
    page.goto(site_url + f"perf/compare/{sha(11)[:12]}..{sha(12)[:12]}/")
    assert "[click](javascript:alert(1)) {{ config.site_name }}" in page.locator("article").inner_text()
    assert page.locator("article a[href^='javascript']").count() == 0


def test_overview_works_on_a_phone(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.goto(site_url + "perf/")
    tab.fill("#pp-filter", "parse")
    assert tab.locator(".pp-overview tbody tr:not([hidden])").count() == 1
    # The table scrolls sideways inside its wrapper, which itself fits the screen.
    wrapper = tab.locator(".md-typeset__scrollwrap").first
    assert wrapper.evaluate("w => w.getBoundingClientRect().right <= window.innerWidth + 1")
    assert wrapper.evaluate("w => w.scrollWidth > w.clientWidth")
    shot(tab, "overview-phone")
    context.close()


def serve_variants(root: Path, matrix: str, records) -> Iterator[str]:
    """Build a project of one variant matrix from ``records`` and serve it; yields the variants page URL."""
    from perfpages.results.store import write_run
    from perfpages.site.build import MINIMAL_MKDOCS_YML

    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Demo\n")
    (root / "perfpages.yml").write_text(matrix)
    (root / "mkdocs.yml").write_text(MINIMAL_MKDOCS_YML.format(site_name="variants"))
    for record in records:
        write_run(root / "results", record)
    with built_and_served(root) as url:
        (page,) = (root / "site" / "perf" / "variants").iterdir()
        yield f"{url}perf/variants/{page.name}/"


@pytest.fixture(scope="module")
def variants_url(tmp_path_factory):
    """A project whose one scenario is a variant matrix (test_variants' data), built and served."""
    from test_variants import MATRIX, run_at

    root = tmp_path_factory.mktemp("variants") / "demo"
    yield from serve_variants(root, MATRIX, [run_at(n, scale) for n, scale in ((1, 1.0), (2, 2.0))])


def variants_drawn(tab):
    tab.wait_for_function("document.querySelector('.pp-variants').dataset.state === 'drawn'", timeout=15000)


def test_variant_page_draws_every_view_and_follows_the_selectors(page, variants_url):
    page.goto(variants_url)
    variants_drawn(page)
    charts = page.locator(".pp-vchart.pp-drawn")
    assert charts.count() == 3 + 1 + 1  # one per metric, scaling (requests/s), latency percentiles
    boxes = page.evaluate(
        "document.querySelector('.pp-vchart[data-view=variants]').data.map(t => [t.name, t.y.length])"
    )
    assert boxes == [["gosherve", 6], ["servy", 6]]  # 3 samples at each of the 2 body sizes
    scaling = page.evaluate("document.querySelector('.pp-vchart[data-view=scaling]').data.map(t => t.name)")
    assert scaling == ["gosherve", "gosherve ideal", "servy", "servy ideal"]
    table = page.locator(".pp-vtable table")
    assert "400 1/s (×2.00) ★" in table.inner_text()  # newest commit, body_size=10, cores=1
    shot(page, "variants-page")
    commit = page.locator(".pp-variants select").first
    commit.select_option(index=1)  # the older commit: half the throughput
    page.wait_for_function("document.querySelector('.pp-vtable table').innerText.includes('200 1/s (×2.00)')")
    page.locator(".pp-variants select").nth(1).select_option("100")  # body_size
    page.wait_for_function("document.querySelector('.pp-vtable').innerText.includes('body_size=100')")
    assert "80 1/s ★" in page.locator(".pp-vtable table").inner_text()  # gosherve wins at 100 bytes


def test_variant_page_in_dark_mode(page, variants_url):
    page.goto(variants_url)
    variants_drawn(page)
    light = page.evaluate("document.querySelector('.pp-vchart')._fullLayout.font.color")
    page.locator('label[title="Switch to dark mode"]').click()
    page.wait_for_function(f"document.querySelector('.pp-vchart')._fullLayout.font.color !== {light!r}")
    shot(page, "variants-page-dark")


HOSTILE_VARIANT = "<a href='https://example.com/'>S</a><b>B</b>\u202eevil\r- item"


@pytest.fixture(scope="module")
def hostile_variants_url(tmp_path_factory):
    """test_variants' matrix with one variant named by an HTML, bidi and line-break payload, built and served."""
    from dataclasses import replace

    from test_variants import MATRIX, run_at

    def hostile(record):
        return replace(
            record,
            measurements=tuple(
                replace(m, params=tuple((k, HOSTILE_VARIANT if v == "servy" else v) for k, v in m.params))
                for m in record.measurements
            ),
        )

    quoted = HOSTILE_VARIANT.replace("\u202e", "\\u202e").replace("\r", "\\r")
    matrix = MATRIX.replace("servy]", f'"{quoted}"]')
    root = tmp_path_factory.mktemp("hostile-variants") / "demo"
    yield from serve_variants(root, matrix, [hostile(run_at(n, scale)) for n, scale in ((1, 1.0), (2, 2.0))])


def test_a_hostile_matrix_value_shows_as_text_in_the_variants_chart(page, hostile_variants_url):
    page.goto(hostile_variants_url)
    variants_drawn(page)
    chart = page.locator(".pp-vchart[data-view=variants]")
    assert chart.locator("svg a").count() == 0  # plotly would make <a href> a live link
    assert chart.locator("tspan[style*='bold']").count() == 0  # and <b> bold
    legend = chart.locator(".legendtext").all_text_contents()
    shown = "<a href='https://example.com/'>S</a><b>B</b>evil - item"  # bidi control dropped, break a space
    assert shown in legend, legend
    article = page.locator("article")
    assert article.locator("a[href='https://example.com/']").count() == 0
    assert "\u202e" not in article.inner_text()
    shot(page, "variants-hostile")


# Pages with comparison tables, and the viewports a maintainer reads them at.
TABLE_PAGES = {
    "pr": f"perf/pr/{PR_NUMBER}/{sha('pr-head')[:12]}/",
    "pr-heads": f"perf/pr/{PR_NUMBER}/",
    "pr-list": "perf/pr/",
    "compare": f"perf/compare/{sha(STEP_AT - 1)[:12]}..{sha(STEP_AT)[:12]}/",
    "changes": "perf/changes/",
}
# Pictographs, dingbats and symbols that need an emoji font (❌ U+274C, ✅ U+2705, ⚠ U+26A0...).
EMOJI = re.compile("[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f]")


@pytest.mark.parametrize(("name", "rows"), [("pr", 3), ("compare", 3)])
def test_the_folded_list_of_every_series_renders_as_a_table(page, site_url, name, rows):
    page.goto(site_url + TABLE_PAGES[name])
    details = page.locator("details.pp-full-list")
    details.locator("summary").click()
    page.wait_for_function("document.querySelector('details.pp-full-list').dataset.state === 'drawn'")
    table = details.locator("table")
    assert table.count() == 1
    assert table.locator("tbody tr").count() == rows
    shown = details.inner_text()
    assert "|" not in shown and "\\_" not in shown and "](" not in shown, shown
    assert "render[template=<script>alert('param')</script>{{ x }}]" in shown  # the hostile name, as text
    table.get_by_role("link", name="render[template=", exact=False).click()
    page.wait_for_url("**/perf/scenarios/render-*/")  # the script's link resolves to the trend page


def _fits(tab) -> list[str]:
    """What does not fit: tables wider than the content column at this width, and verdict cells
    outside the viewport."""
    return tab.evaluate(
        """() => {
          const column = document.querySelector('article');
          const limit = column.getBoundingClientRect().right + 1;
          const wide = [...column.querySelectorAll('table')]
            .filter(t => t.getBoundingClientRect().right > limit
                         || (t.closest('.md-typeset__scrollwrap') || t).scrollWidth
                            > (t.closest('.md-typeset__scrollwrap') || t).clientWidth + 1)
            .map(t => 'table ' + t.rows[0].innerText.replace(/\\s+/g, ' '));
          const hidden = [...column.querySelectorAll('.pp-verdict')]
            .filter(v => v.getBoundingClientRect().right > window.innerWidth + 1)
            .map(v => 'verdict ' + v.innerText);
          return window.innerWidth > 1000 ? [...wide, ...hidden] : hidden;
        }"""
    )


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_comparison_tables_fit_and_show_text_verdicts(browser, site_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    for name, path in TABLE_PAGES.items():
        tab.goto(site_url + path)
        tab.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert tab.locator("article .pp-verdict").count() > 0, name
        assert _fits(tab) == [], name
        marks = tab.locator("article .pp-verdict").all_inner_texts()
        assert not [m for m in marks if EMOJI.search(m)], (name, marks)
        assert not EMOJI.search(tab.locator("article").inner_text()), name
        shot(tab, f"{name}-{width}")
    context.close()


def test_pr_pages_lead_back_and_environments_and_feed_read_as_text(page, site_url):
    page.goto(site_url + TABLE_PAGES["pr"])
    page.get_by_role("link", name=f"All heads of PR #{PR_NUMBER}").click()
    page.wait_for_url(f"**/perf/pr/{PR_NUMBER}/")
    page.get_by_role("link", name="All pull requests").click()
    page.wait_for_url("**/perf/pr/")
    page.goto(site_url + TABLE_PAGES["pr"])
    page.get_by_role("link", name="all pull requests").click()
    page.wait_for_url("**/perf/pr/")
    page.goto(site_url + "perf/")
    page.get_by_role("link", name="parse", exact=True).click()
    environments = page.locator("article table").last.inner_text()
    assert "kernel: 6.1" in environments and "first measured" in environments
    assert "None" not in environments
    feed = page.evaluate(
        """async url => {
          const xml = new DOMParser().parseFromString(await (await fetch(url)).text(), 'application/xml');
          const atom = 'http://www.w3.org/2005/Atom';
          return {
            error: xml.getElementsByTagName('parsererror').length,
            author: xml.getElementsByTagNameNS(atom, 'name')[0]?.textContent,
            self: [...xml.getElementsByTagNameNS(atom, 'link')].filter(l => l.getAttribute('rel') === 'self').length,
            summaries: [...xml.getElementsByTagNameNS(atom, 'summary')].map(s => s.textContent),
          };
        }""",
        site_url + "perf/changes.xml",
    )
    assert feed["error"] == 0 and feed["author"] == "demo benchmarks (perfpages)" and feed["self"] == 1
    assert feed["summaries"] and all("parse · wall_time on bench-1 regressed by +" in s for s in feed["summaries"])


@pytest.mark.parametrize("name", ["compare", "pr"])
def test_on_a_phone_a_comparison_heading_breaks_between_its_shas_never_inside_one(browser, site_url, name):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.goto(site_url + TABLE_PAGES[name])
    # Each 12-hex run in the heading's text, as the number of lines its characters sit on.
    lines = tab.evaluate(
        """() => {
            const h = document.querySelector('article h1'), walk = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
            const found = [];
            for (let node = walk.nextNode(); node; node = walk.nextNode()) {
                for (const m of node.data.matchAll(/[0-9a-f]{12}/g)) {
                    const r = document.createRange();
                    r.setStart(node, m.index);
                    r.setEnd(node, m.index + 12);
                    found.push([m[0], new Set([...r.getClientRects()].map(b => Math.round(b.top))).size]);
                }
            }
            return found;
        }"""
    )
    title = (
        f"{sha(STEP_AT - 1)[:12]}..{sha(STEP_AT)[:12]}"
        if name == "compare"
        else f"PR #{PR_NUMBER} at {sha('pr-head')[:12]}"
    )
    assert tab.locator("article h1").inner_text() == title  # the break opportunity adds no character
    assert len(lines) == title.count("..") + 1 and all(n == 1 for _, n in lines), lines
    shot(tab, f"{name}-heading-phone")
    context.close()
