"""Chart data in Python: the display unit of an axis, and a series' threshold band."""

from __future__ import annotations

import json

import pytest
from sitehistory import COMMITS, PR_NUMBER, make_project, sha

from perfpages.render.units import Scale, axis_scale, human, ladder


@pytest.mark.parametrize(
    ("values", "unit", "scale"),
    [
        ([2.699e-6, 3.1e-6], "s", Scale(1e-6, "µs")),  # not 0.000002699 s, nor 2.7µ without the s
        ([442e-9, 12e-6], "s", Scale(1e-6, "µs")),  # the largest value picks the step
        ([0.998e9, 1.2e9], "instructions", Scale(1e9, "G instr")),
        ([958e6], "instructions", Scale(1e6, "M instr")),
        ([150e6, 152e6], "bytes", Scale(1e6, "MB")),
        ([0.5], "bytes", Scale(1.0, "B")),  # below the smallest step
        ([12_000.0], "1/s", Scale(1.0, "1/s")),  # a unit without steps shows as it is
        ([], "s", Scale(1e-9, "ns")),  # as human(0, "s") writes 0
        ([float("nan"), 2e-3], "s", Scale(1e-3, "ms")),
    ],
)
def test_axis_scale_is_a_step_of_the_tables_units(values, unit, scale):
    assert axis_scale(values, unit) == scale


def test_the_axis_step_of_a_value_is_the_one_the_tables_write_it_in():
    for value, unit in [(442e-9, "s"), (958e6, "instructions"), (21634048, "bytes"), (1.5, "s")]:
        scale = axis_scale([value], unit)
        assert human(value, unit).endswith(" " + scale.name)
        assert scale.name in dict((name, f) for f, name in ladder(unit))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from perfpages.site.build import generate, mkdocs_settings

    root = make_project(tmp_path_factory.mktemp("chartdata") / "demo")
    settings = mkdocs_settings(root / "mkdocs.yml")
    generate(root / "perfpages.yml", root / "results", settings)
    return root / "docs" / "perf"


def _series(perf, name: str) -> tuple[dict, dict]:
    (path,) = (perf / "api" / "scenarios").glob(f"{name}-*.json")
    (metric,) = json.loads(path.read_text())["metrics"]
    return metric, metric["series"][0]


def test_the_band_is_the_pr_pages_threshold_of_a_pr_based_on_the_newest_commit(built):
    """sitehistory's PR is based on the newest commit on main: its page's threshold column is the band."""
    import re

    metric, series = _series(built, "parse")
    pr_page = built / "pr" / str(PR_NUMBER) / f"{sha('pr-head')[:12]}.md"
    row = next(line for line in pr_page.read_text().splitlines() if ">parse</a>" in line and "bench-1" in line)
    assert series["threshold"]["label"] == re.findall(r"±[0-9.]+%", row)[0]
    assert series["threshold"]["x1"] == COMMITS - 1
    assert series["threshold"]["level"] == series["y"][-1]  # around the newest value
    assert metric["scale"] == {"factor": 1.0, "name": "s"}
    assert metric["ladder"][1] == [0.001, "ms"]


def test_commits_of_main_without_results_are_counted_before_the_next_measured_one():
    from perfpages.site.gather import unmeasured_before

    main = ["a", "b", "c", "d", "e", "f"]
    assert unmeasured_before(["b", "c", "f"], main) == (0, 0, 2)  # d and e have no results
    assert unmeasured_before([], main) == ()


def test_the_commit_list_says_how_many_commits_of_main_before_one_were_not_measured(built):
    from dataclasses import replace

    from perfpages.site.charts import commits_document
    from perfpages.site.gather import Site

    commits = json.loads((built / "api" / "commits.json").read_text())["commits"]
    assert all("unmeasured" not in c for c in commits)  # ordered by commit dates: only measured commits known
    site = Site("demo", None, (), (), (), (), ())
    assert commits_document(site) == {"commits": []}
    from sitehistory import commit

    site = replace(site, commits=(commit(0), commit(1)), unmeasured=(0, 3))
    document = commits_document(site)["commits"]
    assert "unmeasured" not in document[0] and document[1]["unmeasured"] == 3
