"""`perfpages build` on any Material mkdocs.yml, or none: perfpages' additions are layered on, never written in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from perfpages.errors import PerfpagesError
from perfpages.results.store import write_run
from perfpages.site.build import mkdocs_settings
from tests.conftest import git, make_commit, make_record
from tests.test_cli_end_to_end import perfpages

USER_MKDOCS = "site_name: Mine\ntheme: {name: material}\nextra_css: [mine.css]\nnot_in_nav: |\n  /drafts/\n"


def results_only(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    record = make_record(run_id="r1", head=make_commit(head))
    write_run(
        repo / "results", replace(record, measurements=tuple(replace(m, commit=head) for m in record.measurements))
    )


def test_a_users_minimal_material_config_is_layered_not_edited(git_repo):
    (git_repo / "mkdocs.yml").write_text(USER_MKDOCS)
    (git_repo / "docs").mkdir()
    (git_repo / "docs" / "index.md").write_text("# Mine\n")
    (git_repo / "docs" / "mine.css").write_text("")
    (git_repo / "docs" / "drafts").mkdir()
    (git_repo / "docs" / "drafts" / "a.md").write_text("# a\n")
    results_only(git_repo)
    done = perfpages(git_repo, "build")
    assert done.returncode == 0, done.stderr
    assert (git_repo / "mkdocs.yml").read_text() == USER_MKDOCS
    page = (git_repo / "site" / "perf" / "index.html").read_text()
    assert "assets/perfpages.js" in page and "mine.css" in page and "<title>" in page and "Mine" in page


def test_no_mkdocs_yml_builds_a_minimal_material_site(git_repo):
    results_only(git_repo)
    done = perfpages(git_repo, "build")
    assert done.returncode == 0, done.stderr
    assert not (git_repo / "mkdocs.yml").exists()
    assert "perfpages.js" in (git_repo / "site" / "perf" / "index.html").read_text()


def test_a_config_that_lists_the_assets_is_used_as_it_is(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\ntheme: {name: material}\n"
        "extra_css: [perf/assets/perfpages.css]\nextra_javascript: [perf/assets/perfpages.js]\n"
    )
    assert mkdocs_settings(tmp_path / "mkdocs.yml").config_file == tmp_path / "mkdocs.yml"


def test_another_theme_is_refused_with_the_reason(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\ntheme: {name: mkdocs}\n")
    with pytest.raises(PerfpagesError, match="theme: material"):
        mkdocs_settings(tmp_path / "mkdocs.yml")
