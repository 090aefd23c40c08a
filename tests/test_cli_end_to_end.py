"""`perfpages run` and `check` as a user runs them: a real CLI process in a fresh git repository."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from perfpages.runner.callgrind import valgrind_path
from tests.conftest import PYTHON, commit_file
from tests.test_config import MINIMAL


def perfpages(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "perfpages", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def result_files(repo: Path) -> list[Path]:
    return sorted(p for p in (repo / "results").rglob("*.json"))


@pytest.mark.slow
@pytest.mark.skipif(valgrind_path() is None, reason="valgrind is not installed")
def test_minimal_config_writes_one_valid_file_with_identical_instruction_counts(git_repo):
    commit_file(git_repo, "perfpages.yml", MINIMAL, "add scenarios")
    first = perfpages(git_repo, "run", "--machine", "ci-box", "--run-id", "one", "--json")
    assert first.returncode == 0, first.stderr
    second = perfpages(git_repo, "run", "--machine", "ci-box", "--run-id", "two", "--json")
    assert second.returncode == 0, second.stderr

    files = result_files(git_repo)
    assert len(files) == 2
    docs = [json.loads(p.read_text()) for p in files]
    by_metric = [{(r["scenario"], r["metric"]): r for r in doc["results"]} for doc in docs]
    assert len(by_metric[0][("sleep", "wall_time")]["samples"]) == 5
    assert all(s >= 0.01 for s in by_metric[0][("sleep", "wall_time")]["samples"])
    counts = [m[("sleep", "instructions")]["samples"] for m in by_metric]
    assert counts[0] == counts[1] and counts[0][0] > 1e6, counts
    rate = by_metric[0][("handshake", "handshakes_per_s")]
    assert rate["direction"] == "higher" and rate["samples"] == [1234.5] * 5
    assert json.loads(first.stdout)["path"] == str(files[0].relative_to(git_repo))

    check = perfpages(git_repo, "check", "--json")
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout) == {"runs": 2, "series": 5, "points": 5, "problems": [], "left_out": 0}

    # A damaged copy makes check fail and name the file and the field.
    broken = files[0].with_name(files[0].name.replace("-one", "-three"))
    doc = docs[0]
    doc["run"]["id"] = "three"
    doc["results"][0]["samples"][0] = "fast"
    broken.write_text(json.dumps(doc))
    bad = perfpages(git_repo, "check")
    assert bad.returncode == 1
    assert f"{broken.relative_to(git_repo)}: results[0].samples[0]: 'fast' is not of type 'number'" in bad.stderr


WORK = """\
import json, sys
VERSION = {version}
print(json.dumps({{"version": VERSION}}))
"""

CONFIG = """\
scenarios:
  - name: work
    command: ["python3", "work.py"]
    warmup: 0
    repetitions: 2
    metrics:
      - wall_time
      - {name: version, json_pointer: /version, unit: v, direction: higher}
"""


def project_with_versions(repo: Path, versions: list[int]) -> list[str]:
    commit_file(repo, "perfpages.yml", CONFIG, "add scenarios")
    return [commit_file(repo, "work.py", WORK.format(version=v), f"version {v}") for v in versions]


def samples(doc: dict, metric: str, commit: str) -> list[float]:
    return [s for r in doc["results"] if r["metric"] == metric and r["commit"] == commit for s in r["samples"]]


@pytest.mark.slow
@pytest.mark.skipif(valgrind_path() is None, reason="valgrind is not installed")
def test_against_measures_base_and_head_in_their_own_worktrees(git_repo):
    commit_file(git_repo, "perfpages.yml", CONFIG.replace("- wall_time", "- wall_time\n      - instructions"), "x")
    (base_sha,) = [commit_file(git_repo, "work.py", WORK.format(version=1), "version 1")]
    subprocess.run(["git", "checkout", "-q", "-b", "feature"], cwd=git_repo, check=True)
    (head_sha,) = [commit_file(git_repo, "work.py", WORK.format(version=2), "version 2")]
    done = perfpages(git_repo, "run", "--against", "main", "--pr", "12", "--machine", "m", "--json")
    assert done.returncode == 0, done.stderr
    (path,) = result_files(git_repo)
    doc = json.loads(path.read_text())
    assert (doc["run"]["kind"], doc["run"]["base"], doc["run"]["head"]) == ("comparison", base_sha, head_sha)
    assert doc["run"]["pull_request"] == 12
    assert samples(doc, "version", base_sha) == [1.0, 1.0]
    assert samples(doc, "version", head_sha) == [2.0, 2.0]
    # Comparisons keep both sides' callgrind output beside the results file, for profile diffs.
    profiles = {r["commit"]: r["profiles"] for r in doc["results"] if r["metric"] == "instructions"}
    assert profiles == {base_sha: ["work.base.callgrind.gz"], head_sha: ["work.head.callgrind.gz"]}
    kept = sorted(p.name for p in path.with_suffix(".profiles").iterdir())
    assert kept == ["work.base.callgrind.gz", "work.head.callgrind.gz"]
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=git_repo, capture_output=True, text=True).stdout
    assert len(worktrees.strip().splitlines()) == 1, "worktrees were not removed"


@pytest.mark.slow
def test_backfill_writes_one_file_per_commit_oldest_first(git_repo):
    shas = project_with_versions(git_repo, [1, 2, 3])
    done = perfpages(git_repo, "run", "--commits", f"{shas[0]}~1..HEAD", "--machine", "m", "--run-id", "bf")
    assert done.returncode == 0, done.stderr
    docs = [json.loads(p.read_text()) for p in result_files(git_repo)]
    by_head = {d["run"]["head"]: d for d in docs}
    assert set(by_head) == set(shas)
    assert [samples(by_head[s], "version", s) for s in shas] == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    assert sorted(d["run"]["id"] for d in docs) == ["bf-1", "bf-2", "bf-3"]
    assert perfpages(git_repo, "check").returncode == 0


@pytest.mark.slow
def test_failing_scenario_exits_3_and_is_recorded(git_repo):
    config = CONFIG + '  - name: broken\n    command: "exit 4"\n    metrics: [wall_time]\n'
    commit_file(git_repo, "perfpages.yml", config, "scenarios")
    commit_file(git_repo, "work.py", WORK.format(version=1), "work")
    done = perfpages(git_repo, "run", "--machine", "m")
    assert done.returncode == 3
    assert "failed: broken (measure): exited with status 4" in done.stderr
    (path,) = result_files(git_repo)
    doc = json.loads(path.read_text())
    assert [f["scenario"] for f in doc["failures"]] == ["broken"]
    assert {r["scenario"] for r in doc["results"]} == {"work"}


def test_dirty_tree_is_refused_unless_asked(git_repo):
    project_with_versions(git_repo, [1])
    (git_repo / "work.py").write_text(WORK.format(version=9))
    refused = perfpages(git_repo, "run")
    assert refused.returncode == 1 and "uncommitted changes" in refused.stderr
    assert not (git_repo / "results").exists()


def test_unknown_scenario_and_bad_config_are_one_line_errors(git_repo):
    project_with_versions(git_repo, [1])
    missing = perfpages(git_repo, "run", "-s", "nope*")
    assert missing.returncode == 1 and "no scenario matches nope*; scenarios in perfpages.yml: work" in missing.stderr
    (git_repo / "bad.yml").write_text("scenarios:\n  - name: x\n    command: [a]\n    metrics: [wall]\n")
    bad = perfpages(git_repo, "run", "-c", "bad.yml")
    assert bad.returncode == 1 and "bad.yml:4:15: scenarios[0].metrics[0]: unknown metric 'wall'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_help_teaches_every_command():
    root = Path(__file__).resolve().parent.parent
    for command in ("run", "check", "record", "scenarios"):
        shown = perfpages(root, command, "--help")
        assert shown.returncode == 0 and "Usage: python -m perfpages" in shown.stdout
    assert "--against" in perfpages(root, "run", "--help").stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git missing")
def test_outside_a_repository_the_error_says_why(tmp_path):
    (tmp_path / "perfpages.yml").write_text(CONFIG)
    done = perfpages(tmp_path, "run", "--no-save")
    assert done.returncode == 1 and "not inside a git repository" in done.stderr
