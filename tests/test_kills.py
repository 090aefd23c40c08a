"""Kill a real `perfpages run --against` at seeded random moments, then check what is left.

Invariants after every kill: each results file is whole and valid; nothing else under
results/ but what `run` removes next time; no scenario process (nor its child) survives;
after SIGTERM no worktree stays registered. After the kills, one more run tidies up, and
`check` passes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from perfpages.results.check import check_results
from perfpages.results.staging import leftovers
from tests.conftest import PYTHON, commit_file, git

ROOT = Path(__file__).resolve().parent.parent
KILLS = 4  # moments per signal: a handful, so the test stays in seconds
WORK = """import os, subprocess, sys, time
pids = os.environ["PIDS"]
open(os.path.join(pids, str(os.getpid())), "w").close()
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(os.path.join(pids, str(child.pid)), "w").close()
time.sleep(0.1)
"""


def project(repo: Path, pids: Path) -> None:
    config = (
        "project: {name: demo}\n"
        "scenarios:\n"
        "  - name: work\n"
        '    command: ["python3", "work.py"]\n'
        f"    env: {{PIDS: {str(pids)!r}}}\n"
        "    warmup: 0\n"
        "    repetitions: 3\n"
        "    metrics: [wall_time]\n"
    )
    commit_file(repo, "perfpages.yml", config, "scenarios")
    commit_file(repo, "work.py", WORK, "work")
    git(repo, "checkout", "-q", "-b", "feature")
    commit_file(repo, "work.py", WORK + "# faster\n", "a change")


def start_run(repo: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [PYTHON, "-m", "perfpages", "run", "--against", "main", "--machine", "m"]
    return subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def survivors(pids: Path, within: float = 3.0) -> list[int]:
    deadline = time.monotonic() + within
    while True:
        alive = [int(p.name) for p in pids.iterdir() if _alive(int(p.name))]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][0] != "Z"  # a zombie is dead, only not yet reaped
    except OSError:
        return False


def registered_worktrees(repo: Path) -> int:
    return len(git(repo, "worktree", "list").splitlines())


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_run_killed_at_random_moments_leaves_only_whole_valid_runs_and_no_process(git_repo, tmp_path, sig):
    pids = tmp_path / "pids"
    pids.mkdir()
    project(git_repo, pids)
    started = time.monotonic()
    whole = start_run(git_repo)
    whole.communicate(timeout=120)
    duration = time.monotonic() - started
    assert whole.returncode == 0
    rng = random.Random(16 + sig)
    survived = 0
    for moment in sorted(rng.uniform(0.2, duration) for _ in range(KILLS)):
        run = start_run(git_repo)
        time.sleep(moment)
        run.send_signal(sig)
        _, stderr = run.communicate(timeout=60)
        assert "Traceback" not in stderr, stderr
        left = leftovers(git_repo / "results")
        assert all(x.stale for x in left), left  # all of it is what the next run removes
        problems = check_results(git_repo / "results").problems
        assert {p.path for p in problems} == {str(x.path) for x in left}, problems  # no broken run file
        assert survivors(pids) == [], f"scenario processes outlived a {sig.name} at {moment:.2f} s"
        if sig == signal.SIGTERM and run.returncode == 128 + sig:
            assert registered_worktrees(git_repo) == 1, "SIGTERM left a worktree registered"
        survived += 1
    tidy = start_run(git_repo)
    _, stderr = tidy.communicate(timeout=120)
    assert tidy.returncode == 0, stderr
    assert check_results(git_repo / "results").ok
    assert registered_worktrees(git_repo) == 1
    assert survivors(pids) == []
    print(f"{sig.name}: {survived} of {KILLS} kills survived in a {duration:.1f} s run")
