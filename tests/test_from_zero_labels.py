"""A shift from a level of 0 is sized the one way (shift_label: "+0.02 (from 0)") everywhere a
change is shown, and a dimensionless unit ("1") is never printed after a number.

A ratio of failed requests at 0 that becomes 0.02 has no relative size: the step page's level-shift
table read "+0.00%" twice, the trend chart's change label "bm-1 0.0%", and the step page's folded
list "0 1 -> 0.02 1, n/a"; `compare` printed "0 1" and "0.02 1".
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from sitehistory import PR_NUMBER, commit, main_record, pr_run, sha, write_project
from test_browser import browser, built_and_served  # noqa: F401 (browser is a fixture)

from perfpages.cli.app import fmt_value
from perfpages.model import Direction, Measurement, RunRecord
from perfpages.render.units import human
from perfpages.site import urls
from perfpages.site.build import generate, mkdocs_settings

COMMITS = 24
SHIFT_AT = 12
STEP_PAGE = f"{urls.ROOT}/compare/{commit(SHIFT_AT - 1).sha[:12]}..{commit(SHIFT_AT).sha[:12]}"
PR_PAGE = f"{urls.ROOT}/pr/{PR_NUMBER}/{sha('pr-head')[:12]}.md"
PERFPAGES_YML = """\
project:
  name: zeros
  main_branch: main
scenarios:
  - name: http_post
    command: ["true"]
    metrics: [wall_time]
"""


def _run(i: int) -> RunRecord:
    info = commit(i)
    ratio = 0.02 if i >= SHIFT_AT else 0.0
    # A second series that changes by 0.2%, so the step page folds a list of all series; at the step
    # it is 0.9996 s, which reads "1 s" (the scripts' lists printed "1000 ms", the tables "1e+03 ms").
    wall = (0.9996 + 0.002 * (i % 2),) * 3
    measurements = (
        Measurement("http_post", "failed_ratio", "1", Direction.LOWER, info.sha, (ratio,) * 3),
        Measurement("http_post", "wall_time", "s", Direction.LOWER, info.sha, wall),
    )
    return main_record(i, measurements)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    runs = [*(_run(i) for i in range(COMMITS)), _pr()]
    return write_project(tmp_path_factory.mktemp("zeros") / "zeros", PERFPAGES_YML, runs)


def _pr() -> RunRecord:
    """An A/B run of a PR based on a commit whose failed ratio is 0: at the head it is 0.02."""
    shape = pr_run(np.random.default_rng(0), SHIFT_AT - 1)
    base, head = shape.base.sha, shape.head.sha
    measurements = tuple(
        Measurement("http_post", "failed_ratio", "1", Direction.LOWER, at, (ratio,) * 5)
        for at, ratio in ((base, 0.0), (head, 0.02))
    )
    return replace(shape, machine="bm-1", measurements=measurements)


def test_the_step_page_and_the_chart_size_a_shift_from_zero_absolutely(project):
    generate(project / "perfpages.yml", project / "results", mkdocs_settings(project / "mkdocs.yml"))
    docs = project / "docs"
    row = next(line for line in (docs / f"{STEP_PAGE}.md").read_text().splitlines() if "failed_ratio" in line)
    assert row.count("<td>+0.02 (from 0)</td>") == 2  # the single runs' change and the level shift
    assert "%" not in row
    pr_row = next(line for line in (docs / PR_PAGE).read_text().splitlines() if "failed_ratio" in line)
    assert "<td>+0.02 (from 0)</td>" in pr_row  # the PR comment's words; the page said "n/a"
    chart = json.loads(next((docs / urls.ROOT / "api" / "scenarios").glob("http-post-*.json")).read_text())
    ratio = next(m for m in chart["metrics"] if m["metric"] == "failed_ratio")
    assert [c["label"] for c in ratio["series"][0]["changes"]] == ["+0.02 (from 0)"]


def test_a_value_just_below_a_step_reads_as_rounded():
    assert [human(v, "s") for v in (0.9996, 0.99949, 9.996e-7, 1234.5)] == ["1 s", "999 ms", "1 µs", "1,234 s"]
    assert [human(v, "ops/s") for v in (999.96, 1234.5)] == ["1,000 ops/s", "1,234 ops/s"]
    assert human(999.96, "bytes") == "1 kB"


def test_the_cli_shows_no_dimensionless_unit():
    assert fmt_value(0.02, "1") == "0.02"
    assert fmt_value(0.0, "") == "0"
    assert fmt_value(3.0, "ops/s") == "3 ops/s"


def test_the_folded_list_and_the_chart_label_read_as_the_tables(project, browser):  # noqa: F811 (the fixture)
    with built_and_served(project) as url:
        tab = browser.new_page(viewport={"width": 1366, "height": 768})
        tab.goto(url + STEP_PAGE + "/")
        tab.locator("details.pp-full-list summary").click()
        tab.wait_for_selector("details.pp-full-list[data-state=drawn]")
        rows = tab.locator("details.pp-full-list tbody tr")
        assert "failed_ratio" in rows.first.inner_text()  # largest change first: from 0 above a 0.2% one
        cells = rows.filter(has_text="failed_ratio").locator("td").all_inner_texts()
        assert [cells[0], *cells[2:]] == ["+0.02 (from 0)", "0", "0.02"]
        cells = tab.locator("details.pp-full-list tbody tr", has_text="wall_time").locator("td").all_inner_texts()
        assert cells[2:4] == ["1 s", "1 s"]
        scenario = next(a for a in tab.locator("a").all() if "scenarios/http-post" in (a.get_attribute("href") or ""))
        scenario.click()
        tab.wait_for_selector(".pp-chart.pp-drawn")
        labels = tab.evaluate(
            "() => [...document.querySelectorAll('.pp-chart')].flatMap(d => "
            "(d.layout.annotations || []).map(a => a.text))"
        )
        assert "bm-1 +0.02 (from 0)" in labels
        tab.close()


def test_set_aside_counts_measurements_not_runs():
    """One re-run that contradicts its first run in 6 series set aside 6 measurements of 1 run:
    the note said '6 runs set aside' (and '1 runs')."""
    from types import SimpleNamespace

    from perfpages.cli.analysis import _set_aside

    histories = [SimpleNamespace(below_floor=0)]
    assert _set_aside([SimpleNamespace(superseded=1)], histories) == [
        "1 measurement set aside: a later run of the same commit disagreed with it"
    ]
    assert _set_aside([SimpleNamespace(superseded=1)] * 6, histories)[0].startswith("6 measurements set aside")


def test_changes_json_gives_an_unconfirmed_shift_from_zero_no_relative_size():
    """A confirmed shift from 0 has "change": null and its absolute change; an unconfirmed one
    had "change": 0.0, which reads as no change at all."""
    from types import SimpleNamespace

    from perfpages.analysis.events import PendingEvent
    from perfpages.analysis.history import Pending
    from perfpages.analysis.verdict import Verdict
    from perfpages.render.comparison import pending_event_json

    key = SimpleNamespace(scenario="http_post", params=(), metric="failed_ratio", machine="bm-1")
    pending = Pending(SimpleNamespace(key=key), "a" * 40, 0.0, 2, Verdict.REGRESSED, 0.0, 0.02)
    (row,) = pending_event_json(PendingEvent("bm-1", "a" * 40, (pending,)))["series"]
    assert row["change"] is None and row["absolute_change"] == 0.02 and (row["before"], row["after"]) == (0.0, 0.02)
