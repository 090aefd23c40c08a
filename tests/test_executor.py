"""SubprocessExecutor against real processes."""

import os
import time
from pathlib import Path

from perfpages.runner.executor import Invocation, SubprocessExecutor
from tests.conftest import PYTHON


def invoke(code: str, timeout: float = 30, cwd: Path = Path(".")):
    return SubprocessExecutor().execute(Invocation((PYTHON, "-c", code), cwd, dict(os.environ), timeout))


def test_wall_time_cpu_time_and_rss_are_measured():
    sleeper = invoke("import time; time.sleep(0.2)")
    spinner = invoke("x = 0\nfor i in range(3_000_000): x += i")
    hog = invoke("b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])")
    assert sleeper.ok and 0.2 <= sleeper.wall_time < 2
    assert sleeper.cpu_time < 0.15  # sleeping costs no CPU
    assert spinner.cpu_time > 0.05
    assert hog.max_rss > 200 * 2**20 > sleeper.max_rss


def test_output_and_exit_status_are_kept():
    result = invoke("import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)")
    assert (result.ok, result.returncode, result.stdout, result.stderr) == (False, 3, "out\n", "err\n")
    assert result.reason(30) == "exited with status 3"


def test_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "child-alive"
    grandchild = tmp_path / "grandchild.py"
    grandchild.write_text(f"import time\ntime.sleep(2)\nopen({str(marker)!r}, 'w')\n")
    code = f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, {str(grandchild)!r}])\ntime.sleep(60)\n"
    started = time.monotonic()
    result = invoke(code, timeout=0.5)
    assert result.timed_out and not result.ok and result.returncode is None
    assert time.monotonic() - started < 5
    time.sleep(2.5)
    assert not marker.exists(), "the grandchild outlived the timeout"


def test_signals_and_missing_programs_are_explained():
    killed = invoke("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert killed.reason(30) == "killed by signal SIGSEGV"
    missing = SubprocessExecutor().execute(Invocation(("no-such-program-xyz",), Path("."), dict(os.environ), 5))
    assert not missing.ok and "could not start 'no-such-program-xyz'" in missing.reason(5)


def test_max_rss_is_the_childs_own_not_the_parents():
    # Linux folds the parent's resident size into a child's ru_maxrss at exec; a 300 MB
    # parent must not make a small child look like 300 MB.
    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = invoke("import time; time.sleep(0.05)")
    assert small.max_rss < 100 * 2**20, small.max_rss
    assert len(ballast) == 300 * 2**20
