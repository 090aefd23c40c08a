"""Compare and PR pages list every series they compared, filterable, in a folded list.

A step page's HTML shows the level shifts and the few largest other differences; the rest come
from blocks of step values (site/stepvalues.py). A history of 70 commits crosses a block boundary
(64), and one scenario skips commits, so it must leave the steps whose base it was not measured at.
A PR page's tables show its changes and the 30 largest other differences; the rest come from its
listing (judging.listing).
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from sitehistory import commit, main_record, pr_run, sha, write_project
from test_browser import ARTIFACTS, _fits, browser, built_and_served  # noqa: F401 (browser is a fixture)

from perfpages.analysis.steps import Step
from perfpages.model import Direction, Measurement, RunRecord
from perfpages.site import urls
from perfpages.site.build import generate, mkdocs_settings
from perfpages.site.comparisons import step_page
from perfpages.site.gather import MainStep, Site
from perfpages.site.stepvalues import BLOCK, block_columns, block_of

COMMITS = 70
SCENARIOS = 40
SKIPS = 3  # scenario s03 is measured only at every third commit
SHIFT_AT = BLOCK  # the first step of the second block: its base is the column before the block
STEP_PAGE = f"perf/compare/{sha(SHIFT_AT - 1)[:12]}..{sha(SHIFT_AT)[:12]}/"
PR_PAGE = f"perf/pr/7/{sha('pr-head')[:12]}/"

PERFPAGES_YML = """\
project:
  name: wide
  main_branch: main
scenarios:
  - name: s00
    command: ["true"]
    metrics: [wall_time]
"""


def _wall_time(n: int, at: str, factor: float, rng: np.random.Generator) -> Measurement:
    """Scenario s<n>'s wall time at ``at``: 1 + n seconds, s00's times ``factor``, 1% noise."""
    level = (1 + n) * (factor if n == 0 else 1)
    samples = tuple(float(x) for x in level * (1 + 0.01 * rng.random(5)))
    return Measurement(f"s{n:02d}", "wall_time", "s", Direction.LOWER, at, samples)


def _run(i: int) -> RunRecord:
    rng = np.random.default_rng(i)
    info = commit(i)
    factor = 1.3 if i >= SHIFT_AT else 1.0
    measurements = tuple(_wall_time(n, info.sha, factor, rng) for n in range(SCENARIOS) if n != 3 or i % SKIPS == 0)
    return main_record(i, measurements)


def _pr(base: int) -> RunRecord:
    """An A/B run of every scenario: s00 twice as slow at the head, the rest unchanged."""
    shape = pr_run(np.random.default_rng(0), base)
    rng = np.random.default_rng(1)
    sides = [(shape.base.sha, 1.0), (shape.head.sha, 2.0)]
    measurements = tuple(_wall_time(n, at, factor, rng) for at, factor in sides for n in range(SCENARIOS))
    return replace(shape, machine="bm-1", measurements=measurements, branch="wide")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    runs = [*(_run(i) for i in range(COMMITS)), _pr(COMMITS - 1)]
    return write_project(tmp_path_factory.mktemp("steps") / "wide", PERFPAGES_YML, runs)


@pytest.fixture(scope="module")
def site_url(project):
    with built_and_served(project) as url:
        yield url


def _joined(block: dict, base: int, head: int) -> list[dict]:
    """The series of a block measured at both commits, as the page's script finds them."""
    found = []
    for s in block["series"]:
        if head in s["x"]:
            i = s["x"].index(head)
            if i >= 1 and s["x"][i - 1] == base:
                found.append(s)
    return found


def test_every_step_finds_all_its_series_in_one_block(project):
    generate(project / "perfpages.yml", project / "results", mkdocs_settings(project / "mkdocs.yml"))
    api = project / "docs" / urls.ROOT / "api"
    blocks = {int(p.stem): json.loads(p.read_text()) for p in (api / "steps").glob("*.json")}
    assert sorted(blocks) == [0, 1]
    assert (blocks[1]["first"], blocks[1]["last"]) == (BLOCK - 1, COMMITS - 1)
    for head in range(1, COMMITS):
        joined = _joined(blocks[block_of(head)], head - 1, head)
        # s03 joins a step only when it was measured at both commits, which never happens here.
        assert len(joined) == SCENARIOS - 1, head
        assert "s03" not in {s["scenario"] for s in joined}
    shifted = _joined(blocks[1], SHIFT_AT - 1, SHIFT_AT)[0]
    i = shifted["x"].index(SHIFT_AT)
    assert shifted["y"][i] / shifted["y"][i - 1] == pytest.approx(1.3, rel=0.02)


def test_block_columns_hold_each_steps_base():
    for head in range(1, 3 * BLOCK):
        columns = block_columns(block_of(head), 3 * BLOCK)
        assert head - 1 in columns and head in columns


def test_the_step_page_lists_and_filters_every_series(site_url, browser):  # noqa: F811 (the fixture)
    tab = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(site_url + STEP_PAGE)
    article = tab.locator("article")
    assert f"among {SCENARIOS - 1} series" in article.inner_text()
    # The HTML table holds the level shift only; the rest are in the folded list.
    assert article.locator("table").count() == 1
    assert article.locator("table tbody tr").count() == 1
    box = tab.locator("details.pp-full-list")
    box.locator("summary").click()
    tab.wait_for_function("document.querySelector('details.pp-full-list').dataset.state === 'drawn'")
    rows = box.locator("tbody tr")
    assert rows.count() == SCENARIOS - 1
    assert rows.first.inner_text().startswith("+30")  # the 30% shift: the largest change first, in front
    assert "s00" in rows.first.inner_text()
    box.locator("input[type=search]").fill("s07")
    assert box.locator("tbody tr:not([hidden])").count() == 1
    assert f"1 of {SCENARIOS - 1} shown" in box.inner_text()
    tab.screenshot(path=str(_artifact("step-all-series")), full_page=True)
    box.locator("tbody tr:not([hidden])").get_by_role("link", name="s07").click()
    tab.wait_for_url("**/perf/scenarios/s07-*/")
    assert errors == []
    tab.close()


def _artifact(name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_a_pr_page_lists_every_series_with_its_verdict(site_url, browser):  # noqa: F811 (the fixture)
    tab = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(site_url + PR_PAGE)
    assert f"among {SCENARIOS} series" in tab.locator("article").inner_text()
    box = tab.locator("details.pp-full-list")
    box.locator("summary").click()
    tab.wait_for_function("document.querySelector('details.pp-full-list').dataset.state === 'drawn'")
    rows = box.locator("tbody tr")
    assert rows.count() == SCENARIOS
    first = rows.first.inner_text()
    assert first.startswith("regressed") and "s00" in first and "+100" in first
    box.locator("input[type=search]").fill("s39")
    shown = box.locator("tbody tr:not([hidden])")
    assert shown.count() == 1
    assert shown.inner_text().startswith("unchanged")
    tab.screenshot(path=str(_artifact("pr-all-series")), full_page=True)
    assert errors == []
    tab.close()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_the_full_lists_fit_the_page(site_url, browser, width, height):  # noqa: F811 (the fixture)
    tab = browser.new_page(viewport={"width": width, "height": height})
    for path in (PR_PAGE, STEP_PAGE):
        tab.goto(site_url + path)
        tab.locator("details.pp-full-list summary").click()
        tab.wait_for_function("document.querySelector('details.pp-full-list').dataset.state === 'drawn'")
        assert _fits(tab) == [], path
        # The first column (a PR's verdict, a step's change) is in view without scrolling sideways.
        right = tab.evaluate(
            "Math.max(...[...document.querySelectorAll('.pp-list tbody td:first-child')]"
            ".map(td => td.getBoundingClientRect().right))"
        )
        assert right <= width, path
    tab.close()


def test_a_step_no_series_was_measured_across_says_so():
    """Machines that take turns measure no series at both of two consecutive commits."""
    base, head = commit(1), commit(2)
    step = MainStep(urls.compare_page(base.sha, head.sha), base, head, Step(base.sha, head.sha, 0, (), (), 0), 2)
    site = Site("p", None, (base, head), (), (step,), (), ())
    page = step_page(site, step, urls.Links(step.page))
    assert "**Nothing is compared here:** no series was measured at both commits." in page
    assert "no machine measured both" in page
    assert "among 0 series" not in page and "measured on \n" not in page
    assert "pp-full-list" not in page
