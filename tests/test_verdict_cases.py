"""The real-world verdict cases (../shared/cases/verdicts), each rebuilt and judged by the CLI.

Each case folder holds a build.py that writes a scratch git repository with results files;
expected.txt there says what the right result is. These tests assert that result.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PYTHON

CASES = Path(__file__).resolve().parent.parent.parent / "shared" / "cases" / "verdicts"


def strict_json(text: str):
    """json.loads that refuses Infinity and NaN, as a browser's JSON.parse does."""

    def refuse(token: str):
        raise ValueError(f"{token} is not JSON")

    return json.loads(text, parse_constant=refuse)


def build(case: str, tmp_path: Path, *args: str) -> Path:
    folder = CASES / case
    if not (folder / "build.py").is_file():
        pytest.skip(f"{folder} is absent (the shared cases folder sits beside the checkout)")
    repo = tmp_path / "repo"
    subprocess.run([PYTHON, "build.py", str(repo), *args], cwd=folder, check=True, capture_output=True, timeout=120)
    return repo


def perfpages(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "perfpages", *args], cwd=repo, capture_output=True, text=True, timeout=300)


def verdict_of(repo: Path, base: str, head: str) -> dict:
    done = perfpages(repo, "compare", base, head, "--format", "json")
    assert done.returncode == 0, done.stderr
    return strict_json(done.stdout)


def test_07_a_base_without_its_own_run_learns_noise_up_to_its_nearest_measured_ancestor(tmp_path):
    repo = build("07-base-without-results", tmp_path)
    control, skipped = verdict_of(repo, "pr12~1", "pr12"), verdict_of(repo, "pr11~1", "pr11")
    for report in (control, skipped):
        (series,) = report["series"]
        assert series["verdict"] == "regressed" and series["change"] == pytest.approx(0.03, abs=0.002)
        assert not series["used_defaults"] and series["history_points"] == 30
    assert control["caveats"] == []
    (note,) = skipped["caveats"]
    assert "nearest measured ancestor" in note and skipped["series"][0]["history_end"]
    comment = perfpages(repo, "comment", "--pr", "11")
    assert "regressions" in comment.stdout and "nearest measured ancestor" in comment.stdout
    refused = perfpages(repo, "compare", "pr13~1", "pr13")
    assert refused.returncode == 1 and "no series has results for both" in refused.stderr


def test_07_a_verdict_that_falls_back_to_the_defaults_says_so_in_the_comment(tmp_path):
    repo = build("10-zero-baseline", tmp_path)  # all-zero history: no relative change to learn noise from
    body = perfpages(repo, "comment", "--pr", "21").stdout
    assert "judged by the fixed default thresholds" in body


def test_08_a_rerun_corrects_its_commit_instead_of_pooling_with_the_bad_run(tmp_path):
    repo = build("08-same-commit-twice", tmp_path)
    (newest,) = verdict_of(repo, "main~1", "main")["series"]
    assert newest["verdict"] == "unchanged" and newest["head"] == pytest.approx(0.020, rel=0.03)
    (rerun,) = verdict_of(repo, "main~10", "main~9")["series"]
    assert rerun["head"] == pytest.approx(0.020, rel=0.03)
    listed = perfpages(repo, "changes", "--json")
    assert strict_json(listed.stdout)["series"] == [] and "2 measurements set aside" in listed.stderr


def test_09_a_cpu_change_between_runs_is_no_regression_and_the_reason_is_shown(tmp_path):
    repo = build("09-runner-cpu-mix", tmp_path)
    for base, head in (("main~1", "main"), ("main~2", "main~1")):
        report = verdict_of(repo, base, head)
        (series,) = report["series"]
        assert series["verdict"] == "no-baseline" and series["fence"]["verdict"] == "no-baseline"
        assert "cpu_model" in series["reason"] and report["regressions"] == report["improvements"] == 0
        assert any("different environments" in note for note in report["caveats"])
    gate = perfpages(repo, "compare", "main~1", "main", "--fail-on", "regression")
    assert gate.returncode == 0 and "different environments" in gate.stderr
    # Two AMD runs with an Intel run between: the earlier AMD runs give the noise.
    (same,) = verdict_of(repo, "main~2", "main")["series"]
    assert same["verdict"] == "unchanged" and not same["used_defaults"] and same["history_points"] >= 10
    # The CPU mix is one line of `changes`, not 26: visible without drowning the rest.
    listed = perfpages(repo, "changes").stdout
    assert listed.count("switched") == 1 and "environment changed" not in listed
    assert "switched 26 times among 2 environments" in " ".join(listed.split())
    assert len(strict_json(perfpages(repo, "changes", "--json").stdout)["series"][0]["discontinuities"]) == 26


def test_10_a_metric_at_zero_gives_an_absolute_difference_and_valid_json_everywhere(tmp_path):
    repo = build("10-zero-baseline", tmp_path)
    unchanged = perfpages(repo, "comment", "--pr", "21", "--json")
    assert "regressed" not in strict_json(unchanged.stdout)["body"]
    failing = strict_json(perfpages(repo, "comment", "--pr", "22", "--json").stdout)
    assert failing["regressions"] == 1 and r"\+0.02 \(from 0\)" in failing["body"] and "inf" not in failing["body"]
    assert "n/a (from 0)" in failing["body"] and "very small" not in failing["body"]  # no size bucket from 0
    rare = strict_json(perfpages(repo, "comment", "--pr", "23", "--json").stdout)["body"]
    assert "very large" not in rare and "inf" not in rare
    (series,) = verdict_of(repo, "main~8", "pr22")["series"]
    assert series["change"] is None and series["absolute_change"] == pytest.approx(0.02)
    assert series["fence"]["magnitude"] is None
    (history,) = strict_json(perfpages(repo, "changes", "--json").stdout)["series"]
    (change,) = history["changes"]
    assert change["change"] is None and change["absolute_change"] == pytest.approx(0.02)
    assert change["verdict"] == "regressed"  # more failed requests, whatever the relative size
    built = perfpages(repo, "build")
    assert built.returncode == 0, built.stderr
    for path in [repo / "docs" / "perf" / "api" / "changes.json", *(repo / "docs" / "perf" / "api").rglob("*.json")]:
        strict_json(path.read_text())
