"""A scenario whose label runs on without a space (a long name, or a parameter such as a path)
wraps in the overview's name column: it made the table 2,783 px wide at 1366 px, so status,
trend and latest value were out of sight until the reader scrolled sideways."""

from __future__ import annotations

import pytest
from sitehistory import main_record, sha, write_project
from test_browser import browser, built_and_served  # noqa: F401 (browser is a fixture)

from perfpages.model import Direction, Measurement, RunRecord

LONG_NAME = "benchmarks.suite_" * 8 + "time_query"
PATH_PARAM = "/data/" + "x" * 200 + ".csv"
PERFPAGES_YML = """\
project:
  name: long
  main_branch: main
scenarios:
  - name: short
    command: ["true"]
    metrics: [wall_time]
"""


def _run(i: int) -> RunRecord:
    at = sha(i)
    return main_record(
        i,
        (
            Measurement("short", "wall_time", "s", Direction.LOWER, at, (1.0, 1.01, 0.99)),
            Measurement(LONG_NAME, "wall_time", "s", Direction.LOWER, at, (2.0, 2.01), (("file", PATH_PARAM),)),
        ),
    )


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    root = write_project(tmp_path_factory.mktemp("long") / "long", PERFPAGES_YML, [_run(i) for i in range(12)])
    with built_and_served(root) as url:
        yield url


def test_the_overview_table_fits_the_content_column_with_a_long_name(site_url, browser):  # noqa: F811
    tab = browser.new_page(viewport={"width": 1366, "height": 768})
    tab.goto(site_url + "perf/")
    widths = tab.evaluate(
        """() => ({table: document.querySelector('article table').getBoundingClientRect().width,
                  column: document.querySelector('article').clientWidth,
                  status: document.querySelector('article tbody .pp-badge').getBoundingClientRect().right})"""
    )
    assert widths["table"] <= widths["column"] + 1, widths
    assert widths["status"] < 1366, widths  # the first row's status is on the first screen
    tab.close()
