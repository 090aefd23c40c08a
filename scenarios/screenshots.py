"""Screenshots of each dashboard page type, desktop and phone, for docs/dashboard.md.

Builds two demo sites from the test histories, serves them, and photographs them in headless
Chromium (Playwright + Debian's /usr/bin/chromium):

- tests/triagehistory.py (regressed, unconfirmed, improved and stale series on two machines, two
  events): the overview and the changes page;
- tests/chartshistory.py (tests/sitehistory.py's project: a step at commit 25, PR #7, hostile text;
  plus two more machines): a scenario page with per-machine panels, the PR page, the PR's heads, the list of PRs,
  the step's compare page with its list of every series opened, and the per-series compare page a
  click on a chart point opens;
- tests/test_variants.py's matrix (two servers x body sizes x cores): the variants page.

Each page at 1366x768 and 390x844 (light), plus the overview in dark mode; viewport shots, so the
PNGs stay small. Re-make them after any change to the pages:

    python scenarios/screenshots.py --out docs/images
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import chartshistory  # noqa: E402
import sitehistory  # noqa: E402
import triagehistory  # noqa: E402
from test_browser import ARGS, CHROMIUM, built_and_served, point_position, serve_variants  # noqa: E402  (one way to build, serve and launch)
from test_variants import MATRIX, run_at  # noqa: E402

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def settled(tab) -> None:
    """Wait until every chart on the page is drawn and plotly has nothing left to paint."""
    tab.wait_for_load_state("networkidle")
    tab.wait_for_function(
        """() => [...document.querySelectorAll('.pp-chart, .pp-variants')]
                   .every(c => c.dataset.state === 'drawn' || c.dataset.state === 'failed')""",
        timeout=30000,
    )
    if tab.locator(".pp-chart").count():
        tab.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0", timeout=30000)
    # Two animation frames: plotly's last relayout and the fonts are painted.
    tab.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    tab.wait_for_timeout(300)


def shoot(tab, out: Path, name: str, scroll_to: str | None = None) -> Path:
    """A viewport shot; with ``scroll_to``, of the page scrolled so that element is just below the header."""
    if scroll_to:
        tab.locator(scroll_to).first.evaluate(
            "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY"
            " - document.querySelector('.md-header').offsetHeight - 8)"
        )
    settled(tab)
    path = out / f"dashboard-{name}.png"
    tab.screenshot(path=str(path))  # the viewport: what a reader sees first
    print(path)
    return path


def click_point(tab, machine: str, index: int, tap: bool = False) -> None:
    """Click (or tap) the point of ``machine``'s line at commit ``index`` of the first chart, as a reader would."""
    where = point_position(tab, machine, index)
    if tap:
        tab.touchscreen.tap(where["x"], where["y"])
    else:
        tab.mouse.click(where["x"], where["y"])


def scenario_path(site: Path, name: str) -> str:
    (path,) = (site / "perf" / "scenarios").glob(f"{name}-*")
    return f"perf/scenarios/{path.name}/"


def triage_pages(browser, url: str, out: Path) -> None:
    for device, viewport in VIEWPORTS.items():
        tab = new_tab(browser, device, viewport)
        tab.goto(url + "perf/")
        # On a phone too the first screen reaches the filters and the table's first rows.
        shoot(tab, out, f"overview-{device}")
        tab.goto(url + "perf/changes/")
        tab.evaluate("document.querySelector('details.pp-event')?.setAttribute('open', '')")
        shoot(tab, out, f"changes-{device}")
        tab.context.close()
    tab = new_tab(browser, "desktop", VIEWPORTS["desktop"])
    tab.goto(url + "perf/")
    tab.locator('label[title="Switch to dark mode"]').click()
    tab.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    shoot(tab, out, "overview-dark-desktop")
    tab.context.close()


def chart_pages(browser, url: str, site: Path, out: Path) -> None:
    pr = f"perf/pr/{sitehistory.PR_NUMBER}/{sitehistory.sha('pr-head')[:12]}/"
    step = sitehistory.STEP_AT
    compare = f"perf/compare/{sitehistory.sha(step - 1)[:12]}..{sitehistory.sha(step)[:12]}/"
    for device, viewport in VIEWPORTS.items():
        tab = new_tab(browser, device, viewport)
        tab.goto(url + scenario_path(site, "parse"))
        shoot(tab, out, f"scenario-{device}", scroll_to=".pp-chart")
        if device == "phone":  # the first tap shows the tooltip, a second one opens the page
            click_point(tab, "bench-1", step, tap=True)
            tab.locator(".pp-chart .hoverlayer .hovertext").first.wait_for()
            click_point(tab, "bench-1", step, tap=True)
        else:
            click_point(tab, "bench-1", step)
        tab.wait_for_url("**/perf/compare/series/?*")
        shoot(tab, out, f"series-{device}")
        tab.goto(url + pr)
        shoot(tab, out, f"pr-{device}")
        tab.goto(url + "perf/pr/")
        shoot(tab, out, f"pr-list-{device}")
        tab.goto(url + f"perf/pr/{sitehistory.PR_NUMBER}/")
        shoot(tab, out, f"pr-heads-{device}")
        tab.goto(url + compare)
        tab.locator("details.pp-full-list summary").click()
        tab.wait_for_function("document.querySelector('details.pp-full-list').dataset.state === 'drawn'")
        shoot(tab, out, f"compare-{device}", scroll_to="#level-shifts")
        tab.context.close()


def variant_pages(browser, url: str, out: Path) -> None:
    for device, viewport in VIEWPORTS.items():
        tab = new_tab(browser, device, viewport)
        tab.goto(url)
        tab.wait_for_function("document.querySelector('.pp-variants').dataset.state === 'drawn'", timeout=30000)
        shoot(tab, out, f"variants-{device}")
        tab.context.close()


def new_tab(browser, device: str, viewport: dict):
    phone = device == "phone"
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, color_scheme="light")
    return context.new_page()


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where the PNGs go")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="perfpages-shots-") as tmp:
        triage = triagehistory.make_project(Path(tmp) / "triage")
        charts = chartshistory.make_charts_project(Path(tmp) / "demo")
        runs = [run_at(n, scale) for n, scale in ((1, 1.0), (2, 2.0))]
        with (
            sync_playwright() as p,
            built_and_served(triage, for_its_url=True) as triage_url,
            built_and_served(charts, for_its_url=True) as charts_url,
            contextlib.contextmanager(serve_variants)(Path(tmp) / "variants", MATRIX, runs) as variants_url,
        ):
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            triage_pages(browser, triage_url, args.out)
            chart_pages(browser, charts_url, charts / "site", args.out)
            variant_pages(browser, variants_url, args.out)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
