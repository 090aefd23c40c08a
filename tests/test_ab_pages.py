"""A/B runs outside PRs get pages of their own, and compare only what their runs measured."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sitehistory import COMMITS, STEP_AT, commit, main_run, make_project, pr_run, sha

from perfpages.results.store import write_run
from perfpages.site import urls
from perfpages.site.build import generate, mkdocs_settings


def _generate(root):
    return generate(root / "perfpages.yml", root / "results", mkdocs_settings(root / "mkdocs.yml"))


def _page(root, path: str) -> str:
    return (root / "docs" / path).read_text()


def test_an_ab_run_of_two_consecutive_main_commits_keeps_the_step_page(tmp_path):
    """`perfpages run --against BASE` on main's newest two commits writes an A/B run of a step."""
    project = make_project(tmp_path / "demo", with_pr=False)
    shape = pr_run(np.random.default_rng(3), STEP_AT - 1)
    measurements = tuple(
        replace(m, commit=sha(STEP_AT)) if m.commit == shape.head.sha else m for m in shape.measurements
    )
    ab = replace(shape, head=commit(STEP_AT), measurements=measurements, pull_request=None, branch="main")
    write_run(project / "results", ab)
    _generate(project)
    step = _page(project, urls.compare_page(sha(STEP_AT - 1), sha(STEP_AT)))
    assert "**1 level shift** at this commit" in step  # the step's page, not the A/B run's
    assert "## Level shifts" in step
    assert "judged with hindsight" in step
    page = _page(project, urls.ab_page(sha(STEP_AT - 1), sha(STEP_AT)))
    assert "False alarms are held" in page  # the A/B run's own page


def test_an_ab_run_lists_no_other_machines_series_as_missing(tmp_path):
    """Another machine measured the PR's base on main; the PR's A/B run did not measure it."""
    project = make_project(tmp_path / "demo")
    # The PR's base is main's newest commit.
    other = replace(main_run(COMMITS - 1, np.random.default_rng(1)), machine="bm-other", run_id="other")
    write_run(project / "results", other)
    _generate(project)
    page = _page(project, urls.pr_page(7, sha("pr-head")))
    assert "Missing at head" not in page and "bm-other" not in page
    assert "among 3 series" in page


def test_a_re_run_of_a_pr_head_is_said_and_dates_the_head(tmp_path):
    """A re-run pools with the run before where they agree: the page changes, and says why."""
    project = make_project(tmp_path / "demo")
    first = pr_run(np.random.default_rng(99))
    write_run(project / "results", replace(first, run_id="pr-7-2", finished_at="2026-10-21T08:30:00Z"))
    _generate(project)
    page = _page(project, urls.pr_page(7, sha("pr-head")))
    assert "2 A/B runs, each series pooling those that agree with the newest" in page
    heads = _page(project, urls.pr_index(7))
    assert "2026-10-21 08:30" in heads and "only another A/B run of the same head changes it" in heads
