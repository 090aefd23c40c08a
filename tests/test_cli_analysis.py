"""`perfpages compare`, `changes` and `detect` as a user runs them."""

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import triagehistory as th

from perfpages.cli.changelist import LISTED
from perfpages.model import Direction, Measurement
from perfpages.results.store import write_run
from tests.conftest import PYTHON, commit_file, git, make_commit, make_record
from tests.test_config import MINIMAL


def perfpages(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "perfpages", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def record_for(repo: Path, sha: str, run_id: str, values: dict[str, float], rng) -> None:
    info = make_commit(sha, subject=git(repo, "log", "-1", "--format=%s", sha))
    measurements = tuple(
        Measurement(name, "wall_time", "s", Direction.LOWER, sha, tuple(v * (1 + rng.normal(0, 0.002, 5))))
        for name, v in values.items()
    )
    write_run(repo / "results", make_record(run_id=run_id, head=info, measurements=measurements))


def test_compare_flags_exactly_the_changed_series_and_gates_ci(git_repo):
    rng = np.random.default_rng(0)
    commit_file(git_repo, "perfpages.yml", MINIMAL, "scenarios")
    for i in range(15):
        sha = commit_file(git_repo, "f.txt", str(i), f"change {i}")
        record_for(
            git_repo,
            sha,
            f"r{i}",
            {"parse": 1.0 * (1 + rng.normal(0, 0.01)), "serve": 2.0 * (1 + rng.normal(0, 0.01))},
            rng,
        )
    base = sha
    git(git_repo, "checkout", "-q", "-b", "feature")
    head = commit_file(git_repo, "f.txt", "pr", "<script>alert(1)</script> make parse slower")
    record_for(git_repo, head, "pr1", {"parse": 1.3, "serve": 2.0}, rng)

    done = perfpages(git_repo, "compare", base, head, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    verdicts = {s["scenario"]: s["verdict"] for s in report["series"]}
    assert verdicts == {"parse": "regressed", "serve": "unchanged"}
    parse = next(s for s in report["series"] if s["scenario"] == "parse")
    assert parse["fence"]["method"] == "history-iqr" and parse["history_points"] == 15

    gated = perfpages(git_repo, "compare", "main", "feature", "--fail-on", "regression")
    assert gated.returncode == 4 and "parse" in gated.stdout
    markdown = perfpages(git_repo, "compare", "main", "feature", "--format", "markdown").stdout
    assert "**1 regressions, 0 improvements**" in markdown and "<script>" not in markdown
    comment = perfpages(git_repo, "compare", "main", "feature", "--format", "comment").stdout
    assert comment.startswith("<!-- perfpages-comment -->") and "### Overall result: ❌ regressions" in comment
    assert "&lt;script&gt;" in comment and "<script>" not in comment  # the head's subject, escaped


def test_compare_without_results_says_what_to_run(git_repo):
    commit_file(git_repo, "perfpages.yml", MINIMAL, "scenarios")
    done = perfpages(git_repo, "compare", "HEAD~1", "HEAD")
    assert done.returncode == 1 and "results: (folder): not found; run `perfpages run` first" in done.stderr
    (git_repo / "results").mkdir()
    empty = perfpages(git_repo, "compare", "HEAD~1", "HEAD")
    assert empty.returncode == 1 and "run `perfpages run --against BASE`" in empty.stderr


def test_detect_reads_csv_and_echoes_commit_labels(tmp_path):
    rng = np.random.default_rng(4)
    values = np.concatenate([rng.normal(100, 1, 40), rng.normal(110, 1, 40)])
    step = tmp_path / "step.csv"
    step.write_text("commit,other,value\n" + "".join(f"c{i},x,{v}\n" for i, v in enumerate(values)))
    flat = tmp_path / "flat.csv"
    flat.write_text("when,ms\n" + "".join(f"{i},{v}\n" for i, v in enumerate(rng.normal(5, 0.1, 60))))
    done = perfpages(tmp_path, "detect", "step.csv", str(flat), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"step.csv", str(flat)}  # keys are the paths as given
    (change,) = out["step.csv"]
    assert change["index"] == 40 and change["commit"] == "c40" and abs(change["change"] - 0.1) < 0.02
    assert out[str(flat)] == []


def test_detect_gives_a_change_from_zero_no_relative_size(tmp_path):
    (tmp_path / "zero.csv").write_text("value\n" + "0\n" * 10 + "0.02\n" * 10)
    done = perfpages(tmp_path, "detect", "zero.csv", "--json")
    (change,) = json.loads(done.stdout)["zero.csv"]
    assert change["change"] is None and change["absolute_change"] == pytest.approx(0.02)
    shown = perfpages(tmp_path, "detect", "zero.csv").stdout
    assert "+0.02 (from 0)" in shown and "0.00%" not in shown


def test_detect_errors_name_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("commit,value\na,1.0\nb,fast\n")
    done = perfpages(tmp_path, "detect", "bad.csv")
    assert done.returncode == 1 and "bad.csv: line 3: value: 'fast' is not a number" in done.stderr


def test_compare_refuses_a_commit_against_itself(git_repo):
    done = perfpages(git_repo, "compare", "HEAD", "HEAD")
    assert done.returncode == 1 and "are the same commit" in done.stderr


def moved_together(root: Path) -> Path:
    """bm-1 (turbo on from commit 25, tests/triagehistory.py): eight series step up 30% together at
    commit 25, and `alone` improves by itself at commit 30."""
    rng = np.random.default_rng(3)
    for i in range(th.COMMITS):
        run = th.run("bm-1", i, rng)
        levels = {f"wide-{k}": (1.3 if i >= 25 else 1.0) * (1 + k / 10) for k in range(8)}
        levels["alone"] = 0.7 if i >= 30 else 1.0
        rows = tuple(
            Measurement(name, "wall_time", "s", Direction.LOWER, run.head.sha, tuple(v * (1 + rng.normal(0, 0.005, 5))))
            for name, v in sorted(levels.items())
        )
        write_run(root / "results", replace(run, measurements=rows))
    return root


def test_changes_lists_shifts_of_one_machine_in_one_range_as_one_event_with_its_largest_series(tmp_path):
    done = perfpages(moved_together(tmp_path), "changes")
    assert done.returncode == 0, done.stderr
    rows = [line.strip("│ ") for line in done.stdout.splitlines() if line.startswith("│")]
    at = f"{th.sha(24)[:12]}..{th.sha(25)[:12]}"
    event = next(i for i, row in enumerate(rows) if "8 series on bm-1 moved together" in row)
    assert "· machine changed: turbo: False → True" in rows[event] and at in rows[event]
    assert "8 regressed, 0 improved" in rows[event]
    # Its largest shifts below it, indented; the rest counted. Newest first: `alone` at commit 30 leads.
    assert all(r.startswith("wide-") and r.endswith("regressed") for r in rows[event + 1 : event + 1 + LISTED])
    assert all(line.startswith("│   wide-") for line in done.stdout.splitlines() if "wide-" in line)
    assert "… and 3 more (--json lists them all)" in rows[event + 1 + LISTED]
    assert done.stdout.count("wide-") == LISTED
    assert event == 1 and rows[0].startswith("alone wall_time (bm-1)") and "improved" in rows[0]
    assert "9 level shifts in 2 events (one per machine and commit range)" in done.stderr


def test_changes_json_keeps_every_series_and_adds_the_events(tmp_path):
    done = perfpages(moved_together(tmp_path), "changes", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) == {"order", "series", "events", "pending_events"}
    assert doc["order"]["source"] == "results" and len(doc["series"]) == 9  # as before: one entry per series
    assert all(len(s["changes"]) == 1 for s in doc["series"])
    alone, fleet = doc["events"]  # newest first
    assert [s["scenario"] for s in alone["series"]] == ["alone"] and alone["improvements"] == 1
    assert (fleet["machine"], fleet["last_good"], fleet["first_bad"]) == ("bm-1", th.sha(24), th.sha(25))
    assert fleet["regressions"] == 8 and fleet["machine_change"] == "turbo: False → True"
    assert sorted(s["scenario"] for s in fleet["series"]) == [f"wide-{k}" for k in range(8)]
    changes = [s["change"] for s in fleet["series"]]
    assert changes == sorted(changes, key=abs, reverse=True) and all(
        s["verdict"] == "regressed" for s in fleet["series"]
    )
    assert doc["pending_events"] == []


def test_changes_lists_a_new_kernel_once_per_machine_not_once_per_series(tmp_path):
    rng = np.random.default_rng(4)
    for i in range(th.COMMITS):
        run = th.run("bm-2", i, rng)
        kernel = {**run.fingerprint, "kernel": "6.2" if i >= 20 else "6.1"}
        rows = tuple(
            Measurement(name, "wall_time", "s", Direction.LOWER, run.head.sha, tuple(1 + rng.normal(0, 0.005, 5)))
            for name in ("one", "two", "three")
        )
        write_run(tmp_path / "results", replace(run, fingerprint=kernel, measurements=rows))
    done = perfpages(tmp_path, "changes")
    assert done.returncode == 0, done.stderr
    (row,) = [line for line in done.stdout.splitlines() if "environment changed" in line]
    assert "3 series on bm-2" in row and f"at {th.sha(20)[:12]}" in row and "kernel: 6.1 → 6.2" in row
