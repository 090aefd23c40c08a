"""Run identity: an imported run's id is unique per (source run, commit, machine), and an import
never writes a file whose id another run already uses. Case 11 is rebuilt from its input."""

from __future__ import annotations

import json

import pytest

from perfpages.importers import FORMATS
from perfpages.importers.convert import ImportOptions, legacy_run_id, run_id
from perfpages.importers.session import import_items
from perfpages.results.check import check_results
from tests.conftest import make_commit
from tests.histories import CASES, commits_at, import_for

CASE_11 = CASES / "11-identical-output-two-commits"
DATES = tuple(f"2026-11-20T1{i}:00:00Z" for i in (1, 2, 3))


@pytest.mark.skipif(not CASE_11.is_dir(), reason="../shared/cases is not here (the issue's real cases)")
def test_case_11_identical_output_for_three_commits_gives_three_runs(tmp_path):
    shas = commits_at(tmp_path, DATES, "docs change")
    tallies = [import_for(tmp_path, "bmf", CASE_11 / "bmf.json", sha) for sha in shas]
    assert [t.written for t in tallies] == [1, 1, 1]
    report = check_results(tmp_path / "results")
    assert (report.runs, report.series, report.points, report.problems) == (3, 2, 6, ())
    again = import_for(tmp_path, "bmf", CASE_11 / "bmf.json", shas[1])  # the same commit: nothing new
    assert (again.written, again.already) == (0, 1)


def bmf(tmp_path):
    path = tmp_path / "bmf.json"
    path.write_text(json.dumps({"bin": {"file-size": {"value": 100.0}}}))
    return path


def test_the_same_bytes_on_two_machines_are_two_runs(tmp_path):
    out = tmp_path / "results"
    for machine in ("ci-a", "ci-b"):
        options = ImportOptions("bmf", machine, make_commit())
        assert import_items(FORMATS["bmf"]([bmf(tmp_path)]), options, out, lambda s: None).written == 1
    assert check_results(out).runs == 2


def test_the_id_changes_with_each_part_of_the_run_identity():
    ids = {run_id(*parts) for parts in [("bmf", "x", "a", "m"), ("go", "x", "a", "m"), ("bmf", "y", "a", "m")]}
    ids |= {run_id("bmf", "x", "b", "m"), run_id("bmf", "x", "a", "n")}
    assert len(ids) == 5 and all(i.startswith("imp-") and len(i) == 20 for i in ids)


def test_a_run_imported_under_the_old_id_is_already_imported(tmp_path):
    """Files written before the commit and machine were part of the id must not be duplicated."""
    out, source = tmp_path / "results", bmf(tmp_path)
    options = ImportOptions("bmf", "ci", make_commit())
    assert import_items(FORMATS["bmf"]([source]), options, out, lambda s: None).written == 1
    (path,) = out.rglob("*.json")
    (run,) = FORMATS["bmf"]([source])
    path.rename(path.with_name(f"{'a' * 12}-{legacy_run_id('bmf', run.identity)}.json"))
    again = import_items(FORMATS["bmf"]([source]), options, out, lambda s: None)
    assert (again.written, again.already) == (0, 1)


def test_an_id_already_used_by_another_file_is_a_problem_and_nothing_is_written(tmp_path):
    out, source = tmp_path / "results", bmf(tmp_path)
    (run,) = FORMATS["bmf"]([source])
    taken = run_id("bmf", run.identity, "a" * 40, "ci")
    other = out / "ci" / "2026-10" / f"{'f' * 12}-{taken}.json"  # e.g. a file renamed or copied by hand
    other.parent.mkdir(parents=True)
    other.write_text("{}")
    tally = import_items(FORMATS["bmf"]([source]), ImportOptions("bmf", "ci", make_commit()), out, lambda s: None)
    (problem,) = tally.problems
    assert tally.written == 0 and f"run id '{taken}' on 'ci' is already used by {other}" in problem.message
    assert sorted(out.rglob("*.json")) == [other]


def test_two_runs_of_one_import_never_share_an_id(tmp_path):
    """Within one import the registry is updated as files are written (here: the same input twice)."""
    out, source = tmp_path / "results", bmf(tmp_path)
    options = ImportOptions("bmf", "ci", make_commit())
    tally = import_items(FORMATS["bmf"]([source, source]), options, out, lambda s: None)
    assert (tally.written, tally.already, tally.problems) == (1, 1, [])
    assert check_results(out).ok
