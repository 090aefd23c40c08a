"""Commands that only read results work in a repository without a perfpages.yml, with defaults."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from perfpages.config import load_settings
from perfpages.errors import ConfigError
from perfpages.model import ProjectSettings
from perfpages.results.store import write_run
from tests.conftest import git, make_commit, make_record
from tests.test_cli_end_to_end import perfpages


def test_no_perfpages_yml_means_the_defaults(tmp_path):
    config = load_settings(tmp_path / "perfpages.yml")
    assert (config.project, config.scenarios) == (ProjectSettings(), ())


def test_a_perfpages_yml_that_exists_is_still_validated(tmp_path):
    (tmp_path / "perfpages.yml").write_text("scenarios: 3\n")
    with pytest.raises(ConfigError, match=r"perfpages\.yml:1"):
        load_settings(tmp_path / "perfpages.yml")


def test_changes_runs_on_imported_results_alone(git_repo: Path):
    head = git(git_repo, "rev-parse", "HEAD").strip()
    for i in range(3):
        record = make_record(run_id=f"r{i}", head=make_commit(head))
        moved = tuple(replace(m, commit=head) for m in record.measurements)
        write_run(git_repo / "results", replace(record, measurements=moved))
    done = perfpages(git_repo, "changes")
    assert done.returncode == 0, done.stderr
    assert "perfpages.yml" not in done.stderr


def test_run_still_needs_a_perfpages_yml(git_repo: Path):
    done = perfpages(git_repo, "run")
    assert done.returncode == 1 and "perfpages.yml: file not found" in done.stderr
