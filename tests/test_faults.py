"""Faults a benchmark machine meets: scenarios that print garbage, full disks, kills, push races."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from perfpages import git as perf_git
from perfpages.errors import RunNotSavedError
from perfpages.model import Command, Direction, MetricSpec
from perfpages.results import store
from perfpages.results.check import check_results
from perfpages.results.codec import record_commits, to_document
from perfpages.results.schema import validate_document
from perfpages.results.staging import leftovers, remove_stale
from perfpages.results.store import write_run
from perfpages.runner import executor, jobs, session
from perfpages.runner.executor import Execution, Invocation, SubprocessExecutor
from perfpages.runner.jobs import Job, run_here
from perfpages.runner.plan import Side
from perfpages.runner.session import RunOptions, measure
from tests.conftest import (
    PYTHON,
    SHA_A,
    FakeExecutor,
    commit_file,
    git,
    make_commit,
    make_record,
    make_scenario,
    ok_execution,
)

HEAD = Side("head", make_commit(SHA_A), Path("/head"))
ROOT = Path(__file__).resolve().parent.parent
RATE_POINTER = MetricSpec("rate", "1/s", Direction.HIGHER, json_pointer="/rate")
RATE_REGEX = MetricSpec("rate", "1/s", Direction.HIGHER, regex=r"rate=(\S+)")
K6 = MetricSpec("http_reqs", "1/s", Direction.HIGHER, output="k6")

GARBAGE = {
    "digits_401": (RATE_POINTER, '{"rate": ' + "1" * 401 + "}"),
    "digits_5001": (RATE_POINTER, '{"rate": ' + "1" * 5001 + "}"),
    "brackets": (RATE_POINTER, "[" * 100_000),
    "nesting": (RATE_POINTER, '{"rate": ' * 100_000),
    "regex_digits": (RATE_REGEX, "rate=" + "9" * 401),
    "huge_string": (RATE_POINTER, '{"rate": "' + "x" * 1_000_000 + '"}'),
    "k6_brackets": (K6, '{"metrics": ' + "[" * 100_000),
    "k6_digits": (K6, '{"metrics": {"http_reqs": {"rate": ' + "1" * 401 + "}}}"),
}


def _scenario(name: str, metric: MetricSpec):
    return replace(make_scenario(name, command=Command(argv=(name,)), repetitions=2), metrics=(metric,))


def test_a_scenario_printing_garbage_fails_alone_and_the_run_is_still_written():
    outputs = {(name,): stdout for name, (_, stdout) in GARBAGE.items()}
    executor = FakeExecutor(lambda inv: ok_execution(outputs.get(inv.argv, '{"rate": 100}')))
    scenarios = [_scenario(name, metric) for name, (metric, _) in GARBAGE.items()]
    scenarios.append(_scenario("fine", RATE_POINTER))
    record = measure(tuple(scenarios), (HEAD,), executor, RunOptions("m", "r"), {"cpu_model": "fake"})
    reasons = {f.scenario: f.reason for f in record.failures}
    assert set(reasons) == set(GARBAGE), reasons
    assert all(0 < len(reason) <= 1100 for reason in reasons.values()), reasons
    assert [(m.scenario, m.samples) for m in record.measurements] == [("fine", (100.0, 100.0))]
    assert validate_document(to_document(record, record_commits(record)), "run.json") == []


def _invoke(code: str) -> Execution:
    return SubprocessExecutor().execute(Invocation((PYTHON, "-c", code), Path("."), dict(os.environ), 60))


def test_output_over_the_limit_keeps_its_real_tail_and_says_how_much_was_cut(monkeypatch):
    monkeypatch.setattr(executor, "OUTPUT_LIMIT", 64 * 1024)
    monkeypatch.setattr(session, "OUTPUT_LIMIT", 64 * 1024)
    code = (
        "import sys\n"
        "sys.stdout.write('x' * 200_000 + '\\n{\"rate\": 7}\\n')\n"
        "sys.stderr.write('e' * 300_000 + '\\nthe real last line\\n')\n"
        "sys.exit(1)\n"
    )
    execution = _invoke(code)
    assert execution.stdout.endswith('{"rate": 7}\n') and len(execution.stdout) == 64 * 1024
    assert execution.stdout_cut == 200_013 - 64 * 1024
    assert execution.stderr.endswith("the real last line\n") and execution.stderr_bytes == 300_020
    failure = session._failure(_scenario("loud", RATE_POINTER), HEAD, "measure", "exited with status 1", execution)
    assert failure.stderr_tail.endswith("the real last line\n")
    assert failure.reason == "exited with status 1 (stderr_tail is the end of 300,020 bytes of stderr)"


def test_a_metric_read_from_a_cut_stdout_is_a_failure_not_a_value(monkeypatch):
    monkeypatch.setattr(session, "OUTPUT_LIMIT", 10)
    cut = replace(ok_execution('{"rate": 1}\n' * 5), stdout_cut=50)
    executor = FakeExecutor(lambda inv: cut)
    scenarios = (_scenario("reads_stdout", RATE_POINTER), make_scenario("wall_only", repetitions=2))
    record = measure(scenarios, (HEAD,), executor, RunOptions("m", "r"), {"cpu_model": "fake"})
    (failure,) = record.failures
    assert failure.scenario == "reads_stdout"
    assert "its first 50 bytes were cut before the metrics were read" in failure.reason
    assert [m.scenario for m in record.measurements] == ["wall_only"]


def _dead_pid() -> int:
    child = subprocess.Popen([PYTHON, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_run_removes_only_what_dead_writers_left(tmp_path):
    folder = tmp_path / "results" / "m" / "2026-11"
    folder.mkdir(parents=True)
    (folder / "aaaaaaaaaaaa-r1.json").write_text("{}")
    (folder / "aaaaaaaaaaaa-r1.profiles").mkdir()
    dead = folder / f".perfpages-{_dead_pid()}-aaaaaaaaaaaa-r2.tmp"
    dead.mkdir()
    (dead / "run.part").write_text('{"half": ')
    live = folder / f".perfpages-{os.getpid()}-aaaaaaaaaaaa-r3.tmp"
    live.mkdir()
    (folder / "aaaaaaaaaaaa-r3.profiles").mkdir()  # its writer is between two steps
    orphan = folder / "aaaaaaaaaaaa-r4.profiles"
    orphan.mkdir()
    old_temp = folder / ".aaaaaaaaaaaa-r5.json.k2j4h1.tmp"
    old_temp.write_text("{")
    os.utime(old_temp, (0, 0))
    fresh_temp = folder / ".aaaaaaaaaaaa-r6.json.k2j4h1.tmp"
    fresh_temp.write_text("{")
    stray = folder / "notes.txt"
    stray.write_text("mine")
    found = {x.path: x for x in leftovers(tmp_path / "results")}
    assert set(found) == {dead, orphan, old_temp, fresh_temp, stray}
    assert {p for p, x in found.items() if x.stale} == {dead, orphan, old_temp}
    removed = remove_stale(tmp_path / "results")
    assert {x.path for x in removed} == {dead, orphan, old_temp}
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "aaaaaaaaaaaa-r1.json",
            "aaaaaaaaaaaa-r1.profiles",
            live.name,
            "aaaaaaaaaaaa-r3.profiles",
            fresh_temp.name,
            "notes.txt",
        ]
    )


def test_a_write_that_fails_half_way_leaves_nothing(tmp_path, monkeypatch):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", full)
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "a.callgrind.gz").write_bytes(b"x")
    with pytest.raises(OSError, match="No space left"):
        write_run(tmp_path / "results", make_record(), profiles)
    assert [p for p in (tmp_path / "results").rglob("*") if p.is_file()] == []
    assert leftovers(tmp_path / "results") == []


def _record_cli(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "perfpages", "record", "--json", *args], cwd=repo, capture_output=True, text=True
    )


def _write_result(repo: Path, run_id: str, profiles: Path | None = None) -> Path:
    head = perf_git.commit_info(perf_git.open_repo(repo), "HEAD")
    return write_run(repo / "results", make_record(run_id=run_id, head=head, measurements=()), profiles)


def test_record_commits_only_whole_valid_runs_and_says_what_it_left_out(git_repo, tmp_path):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "parse.head.callgrind.gz").write_bytes(b"x")
    good = _write_result(git_repo, "good", profiles)
    folder = good.parent
    half = folder / f".perfpages-{_dead_pid()}-{good.stem[:12]}-killed.tmp"
    half.mkdir()
    (half / "run.part").write_text('{"schema_version": 1, "ru')
    old_temp = folder / f".{good.name}.Ab12xy.tmp"
    old_temp.write_text("{")
    broken = folder / f"{good.stem[:12]}-broken.json"
    broken.write_text('{"schema_version": 1')
    notes = folder / "notes.txt"
    notes.write_text("not a result")
    done = _record_cli(git_repo)
    assert done.returncode == 1, done.stderr  # a results file failed check, so it says so by its status
    shown = json.loads(done.stdout)
    committed = git(git_repo, "show", "--name-only", "--format=", "HEAD").splitlines()
    rel = str(good.relative_to(git_repo))
    assert committed == sorted([rel, rel.replace(".json", ".profiles/parse.head.callgrind.gz")])
    assert shown["files"] == committed
    left = {item["path"]: item["why"] for item in shown["left_out"]}
    assert set(left) == {str(p.relative_to(git_repo)) for p in (half / "run.part", old_temp, broken, notes)}
    assert "killed while writing" in left[str((half / "run.part").relative_to(git_repo))]
    assert "not a results file" in left[str(notes.relative_to(git_repo))]


def test_record_without_bad_runs_succeeds_and_leaves_strays_untracked(git_repo):
    good = _write_result(git_repo, "good")
    (good.parent / "notes.txt").write_text("mine")
    done = _record_cli(git_repo)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["left_out"] == [
        {
            "path": str((good.parent / "notes.txt").relative_to(git_repo)),
            "why": "not a results file (<sha12>-<run-id>.json); move it out of the results folder",
        }
    ]
    assert "notes.txt" in git(git_repo, "status", "--porcelain")


def test_record_refuses_when_a_committed_file_is_bad(git_repo):
    old = _write_result(git_repo, "old")
    git(git_repo, "add", "results")
    git(git_repo, "commit", "-q", "-m", "old run")
    _write_result(git_repo, "old-again")  # fine alone
    old.write_text("{")  # but the folder it joins is broken
    done = _record_cli(git_repo)
    assert done.returncode == 1 and "refusing to record" in done.stderr and "Traceback" not in done.stderr
    assert git(git_repo, "log", "--format=%s", "-1") == "old run"


def _project(repo: Path) -> None:
    config = (
        "project: {name: demo}\n"
        "scenarios:\n"
        "  - name: quick\n"
        '    command: ["true"]\n'
        "    warmup: 0\n"
        "    repetitions: 2\n"
        "    metrics: [wall_time]\n"
    )
    commit_file(repo, "perfpages.yml", config, "scenarios")


def _perfpages(cwd: Path, *args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([PYTHON, "-m", "perfpages", *args], cwd=cwd, capture_output=True, text=True, env=full, **kw)


def test_a_full_disk_keeps_the_run_elsewhere_and_says_where(git_repo, tmp_path, monkeypatch):
    results = git_repo / "results"
    real = store.atomic_create

    def full(dest, data, profiles=None):
        if results in dest.parents:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(dest, data, profiles)

    monkeypatch.setattr(store, "atomic_create", full)
    monkeypatch.setattr(jobs, "_rescue_places", lambda: (tmp_path / "full", tmp_path / "spare"))
    (tmp_path / "full").write_text("a file, so no folder can be made here")
    job = Job((make_scenario("a", repetitions=2),), FakeExecutor(), RunOptions("m", "r"), results)
    with pytest.raises(
        RunNotSavedError,
        match=r"could not write .*results/m/.*-r\.json: No space left on device; "
        r"the run is saved at .*spare/perfpages-unsaved/.*-r\.json",
    ) as caught:
        run_here(perf_git.open_repo(git_repo), job)
    saved = caught.value.rescued
    assert json.loads(saved.read_text())["run"]["id"] == "r"
    assert not results.exists() or leftovers(results) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tiny tmpfs needs root")
def test_a_full_disk_on_a_real_file_system_is_an_error_not_a_traceback(git_repo, tmp_path):
    _project(git_repo)
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("mount -t tmpfs is not allowed here")
    try:
        with contextlib.suppress(OSError):
            (disk / "ballast").write_bytes(b"x" * 128 * 1024)  # fill it
        done = _perfpages(
            git_repo, "run", "--machine", "m", "--results", str(disk / "results"), env={"TMPDIR": str(disk)}
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert "No space left on device" in done.stderr and "the run is saved at" in done.stderr
        saved = Path(re.search(r"the run is saved at (\S+\.json)", done.stderr.replace("\n", "")).group(1))
        try:
            assert json.loads(saved.read_text())["run"]["machine"] == "m"
        finally:
            saved.unlink()  # Python's temp folder falls back to /tmp when TMPDIR is full
        assert not (disk / "results").exists() or leftovers(disk / "results") == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


PUSHERS, RUNS_EACH = 8, 1


def test_eight_clones_pushing_at_once_lose_no_run(tmp_path, git_repo):
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(git_repo), str(remote))
    clones = []
    for i in range(PUSHERS):
        clone = tmp_path / f"ci-{i}"
        git(tmp_path, "clone", "-q", str(remote), clone.name)
        git(clone, "config", "user.name", "CI")
        git(clone, "config", "user.email", "ci@example.com")
        clones.append(clone)
    start = threading.Barrier(PUSHERS)

    def pusher(clone: Path) -> list[int]:
        repo = perf_git.open_repo(clone)
        start.wait()  # all at once, as six jobs of one workflow finishing together
        attempts = []
        for n in range(RUNS_EACH):
            path = _write_result(clone, f"{clone.name}-{n}")
            outcome = perf_git.record(repo, [path], f"{clone.name} run {n}", push=True, time_limit=60, sleep=fast)
            attempts.append(outcome.attempts)
        return attempts

    def fast(seconds: float) -> None:
        time.sleep(seconds / 10)  # the real backoff schedule, ten times faster, so the test takes seconds

    with ThreadPoolExecutor(PUSHERS) as pool:
        attempts = [a for per_clone in pool.map(pusher, clones) for a in per_clone]
    files = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    landed = sorted(Path(f).stem.split("-", 1)[1] for f in files if f.startswith("results/"))
    assert landed == sorted(f"ci-{i}-{n}" for i in range(PUSHERS) for n in range(RUNS_EACH))
    assert max(attempts) > 1, "the pushers did not race; the test proves nothing"
    print(f"{len(landed)} of {PUSHERS * RUNS_EACH} runs landed; attempts per push: {sorted(attempts)}")


KILLED_WHILE_WRITING = """
import os, signal, sys
from pathlib import Path
from perfpages.results.store import write_run
from tests.conftest import make_record
profiles = Path(sys.argv[2])
os.link = lambda *a: os.kill(os.getpid(), signal.SIGKILL)  # dies at the worst moment: all staged, not linked
write_run(Path(sys.argv[1]), make_record(), profiles)
"""


def test_kill_9_between_staging_and_the_final_name_leaves_nothing_the_next_run_keeps(tmp_path):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "parse.head.callgrind.gz").write_bytes(b"x")
    results = tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([PYTHON, "-c", KILLED_WHILE_WRITING, str(results), str(profiles)], env=env, cwd=ROOT)
    assert done.returncode == -signal.SIGKILL
    assert list(results.rglob("*.json")) == []
    left = leftovers(results)
    assert sorted(x.path.suffix for x in left) == [".profiles", ".tmp"] and all(x.stale for x in left)
    assert not check_results(results).ok
    remove_stale(results)
    assert check_results(results).ok and [p for p in results.rglob("*") if p.is_file()] == []


KILLED_IN_WORKTREE = """
import os, signal, sys
from pathlib import Path
from perfpages import git
repo = git.open_repo(Path(sys.argv[1]))
with git.worktree(repo, repo.head.commit.hexsha) as path:
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_next_run_removes_worktrees_a_killed_run_left_and_no_live_ones(git_repo):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([PYTHON, "-c", KILLED_IN_WORKTREE, str(git_repo)], env=env, cwd=ROOT)
    assert done.returncode == -signal.SIGKILL
    assert len(git(git_repo, "worktree", "list").splitlines()) == 2
    repo = perf_git.open_repo(git_repo)
    with perf_git.worktree(repo, repo.head.commit.hexsha) as live:
        removed = perf_git.prune_worktrees(repo)
        assert len(removed) == 1 and not removed[0].exists() and live.exists()
        assert len(git(git_repo, "worktree", "list").splitlines()) == 2  # ours, still in use
    assert len(git(git_repo, "worktree", "list").splitlines()) == 1
