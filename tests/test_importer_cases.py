"""The real-world importer cases in ../shared/cases/importers-and-history, each asserting its right value.

Each case's expected.txt gives the correct result; the inputs are read from the cases folder
(never copied here), and these tests skip, saying so, when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perfpages.importers import FORMATS
from perfpages.importers.convert import ImportOptions
from perfpages.importers.session import import_items
from perfpages.model import CommitInfo, Direction
from perfpages.results.check import load_valid_runs

CASES = Path(__file__).resolve().parent.parent.parent / "shared" / "cases" / "importers-and-history"
pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason=f"{CASES} is not here (shared real-world cases)")
SHA = "c" * 40


def imported(fmt: str, tmp_path: Path, *names: str, commit: bool = True):
    """Import the case files ``names`` (relative to the cases folder) and load what was written."""
    out = tmp_path / "results"
    options = ImportOptions(fmt, None, CommitInfo(SHA) if commit else None)
    tally = import_items(FORMATS[fmt]([CASES / n for n in names]), options, out, lambda sha: None)
    return tally, (load_valid_runs(out) if out.is_dir() else [])


def rows(runs) -> dict:
    return {(m.scenario, m.params, m.metric): m for r in runs for m in r.measurements}


def test_01_go_cpu_suffix_is_gomaxprocs_with_two_samples_each(tmp_path):
    tally, runs = imported("go", tmp_path, "01-go-cpu-suffix/bench.txt")
    times = {dict(p)["gomaxprocs"]: m.samples for (_, p, metric), m in rows(runs).items() if metric == "time"}
    assert times == {
        "1": pytest.approx((818.6e-9, 821.0e-9)),
        "2": pytest.approx((1978.3e-9, 1969.9e-9)),
        "4": pytest.approx((3179.9e-9, 3201.4e-9)),
    }
    assert {s for s, _, _ in rows(runs)} == {"example.com/store/BenchmarkStoreAdd"}
    assert not tally.problems


def test_03_gbench_error_is_a_failure_and_skip_is_left_out(tmp_path):
    tally, (run,) = imported("google-benchmark", tmp_path, "03-gbench-error-occurred/gb.json")
    assert {(m.scenario, m.metric): m.samples for m in run.measurements} == {
        ("BM_Parse/4096", "real_time"): pytest.approx((1.36502e-05,)),
        ("BM_Parse/4096", "cpu_time"): pytest.approx((1.36418e-05,)),
    }
    (failure,) = run.failures
    assert failure.scenario == "BM_ReadFile/4096" and "could not open fixture file" in failure.reason
    assert tally.skipped == 1 and tally.failures == 1


def test_04_hyperfine_nonzero_exit_codes_are_a_failure_not_samples(tmp_path):
    _, (run,) = imported("hyperfine", tmp_path, "04-hyperfine-exit-codes/compile_time.json")
    got = {(dict(m.params)["git_tag"], m.metric): m.samples for m in run.measurements}
    assert got == {
        ("v0.3", "wall_time"): (40.8, 41.1, 41.6),
        ("v0.3", "user_time"): (280.1,),
        ("v0.3", "system_time"): (12.3,),
    }
    (failure,) = run.failures
    assert dict(failure.params)["git_tag"] == "v0.4"
    assert failure.reason == "results[1]: exit code 2 in 3 of 3 runs"


def test_05_wrk_all_errors_and_no_completed_request_are_failures(tmp_path):
    _, runs = imported("wrk", tmp_path, "05-wrk-errors-non2xx/notfound.txt", "05-wrk-errors-non2xx/refused.txt")
    assert all(not r.measurements for r in runs)
    reasons = {f.scenario: f.reason for r in runs for f in r.failures}
    assert "73521 of 73521 responses were non-2xx" in reasons["notfound"]
    assert reasons["refused"].startswith("0 requests completed") and "236 read" in reasons["refused"]


def test_06_benchmarkjs_percent_range_is_relative(tmp_path):
    _, runs = imported("github-action-benchmark", tmp_path, "06-gab-benchmarkjs-percent-range/data.js", commit=False)
    spreads = {s.rsplit("/", 1)[-1]: (m.spread.low, m.spread.high) for (s, _, _), m in rows(runs).items()}
    assert spreads == {
        "query_all": pytest.approx((400.078, 419.922)),
        "fib_10": pytest.approx((1294252.279, 1347887.721)),
    }


def test_07_catch2_unit_switch_is_one_unit_in_seconds(tmp_path):
    _, runs = imported("github-action-benchmark", tmp_path, "07-gab-catch2-unit-switch/data.js", commit=False)
    values = sorted((r.head.sha[:7], m.unit, m.samples[0]) for r in runs for m in r.measurements)
    assert [v[1] for v in values] == ["s"] * 8
    assert [v[2] for v in values] == pytest.approx(
        [9.50e-4, 9.60e-4, 9.40e-4, 9.55e-4, 1.02e-3, 1.01e-3, 1.03e-3, 1.02e-3]
    )


def test_13_asv_version_change_splits_the_series(tmp_path):
    _, runs = imported("asv", tmp_path, "13-asv-benchmark-version-change/asv/results", commit=False)
    versions = {r.head.sha[:7]: dict(m.params).get("version") for r in runs for m in r.measurements}
    assert len(set(versions.values())) == 2
    assert versions["1111111"] == versions["4444444"] != versions["5555555"] == versions["8888888"]


def test_15_go_reportmetric_rates_are_higher_is_better(tmp_path):
    _, runs = imported("go", tmp_path, "15-go-reportmetric-rate-direction/bench.txt")
    got = {(s.rsplit("/", 1)[-1], metric): (m.direction, m.samples) for (s, _, metric), m in rows(runs).items()}
    assert got[("BenchmarkServe", "req_per_s")] == (Direction.HIGHER, (41494.0, 41841.0))
    assert got[("BenchmarkQueue", "ops_per_s")] == (Direction.HIGHER, (990099.0,))
    assert got[("BenchmarkServe", "p99-ms")][0] is Direction.LOWER
    assert got[("BenchmarkServe", "time")][0] is Direction.LOWER


def changes_after_import(fmt: str, source: str, case: str, tmp_path: Path, monkeypatch) -> list[dict]:
    """The case's own commands in a results-only folder: git init with no commit (order by date),
    its perfpages.yml, `perfpages import FORMAT SOURCE`, then `perfpages changes --json`."""
    import json
    import shutil
    import subprocess

    from click.testing import CliRunner

    from perfpages.cli import cli

    shutil.copy(CASES / case / "perfpages.yml", tmp_path / "perfpages.yml")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    done = runner.invoke(cli, ["import", fmt, str(CASES / case / source), "--json"])
    assert done.exit_code == 0, done.output
    done = runner.invoke(cli, ["changes", "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)["series"]


def test_07_catch2_unit_switch_changes_reports_the_true_regression(tmp_path, monkeypatch):
    (history,) = changes_after_import(
        "github-action-benchmark", "data.js", "07-gab-catch2-unit-switch", tmp_path, monkeypatch
    )
    pending = history["pending"]
    assert pending["verdict"] == "regressed" and pending["since"] == "5" * 40
    assert pending["change"] == pytest.approx(0.0709, abs=5e-4)


def test_13_asv_version_change_gives_no_regression(tmp_path, monkeypatch):
    histories = changes_after_import("asv", "asv/results", "13-asv-benchmark-version-change", tmp_path, monkeypatch)
    assert not [h for h in histories if (h.get("pending") or {}).get("verdict") == "regressed"]
    assert not [c for h in histories for c in h.get("changes", ()) if c.get("verdict") == "regressed"]
