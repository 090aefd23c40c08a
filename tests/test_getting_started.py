"""docs/getting-started.md cannot rot: its `sh` blocks run as written, in order, in a fresh repository
with a small pytest-benchmark suite, as a maintainer would type them.

Three things are not run as written, each for a reason given where it is handled: the block that needs
GitHub, `pip install perfpages`, and the port `perfpages serve` listens on."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from perfpages.results.check import load_valid_runs
from tests.conftest import git
from tests.test_adopt_end_to_end import small_suite

pytest.importorskip("pytest_benchmark", reason="pytest-benchmark is in the test extra: pip install -e '.[test]'")

PAGE = Path(__file__).resolve().parent.parent / "docs" / "getting-started.md"
GITHUB_BLOCK = "# Needs GitHub"  # how the page marks the block that pushes and registers a runner


def sh_blocks() -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", PAGE.read_text(), re.DOTALL | re.MULTILINE)


def commands(block: str) -> list[str]:
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment() -> dict[str, str]:
    # `perfpages` and `python3` are those of the environment under test, as after `pip install perfpages`.
    return {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}


def run(line: str, repo: Path) -> None:
    done = subprocess.run(["sh", "-c", line], cwd=repo, env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"`{line}` from {PAGE.name} failed:\n{done.stdout}\n{done.stderr}"


def serve_and_look(line: str, repo: Path) -> str:
    """`perfpages serve` runs until Ctrl-C: start it, fetch the overview it serves, then stop it. The page's
    port, 8000, may be taken on the machine running the tests, so it listens on a free one instead."""
    port = free_port()
    log = repo.parent / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            ["sh", "-c", f"{line} --dev-addr 127.0.0.1:{port}"],
            cwd=repo,
            env=environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert server.poll() is None, f"`{line}` stopped:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/perf/", timeout=5) as response:
                    return response.read().decode()
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        raise AssertionError(f"`{line}` served nothing within 90 s:\n{log.read_text()}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_the_page_keeps_what_needs_github_in_one_marked_block_at_the_end():
    blocks = sh_blocks()
    marked = [b for b in blocks if b.startswith(GITHUB_BLOCK)]
    assert len(marked) == 1 and blocks[-1] == marked[0]
    assert "git push" in marked[0] and "--labels" in marked[0]
    local = "\n".join(blocks[:-1])
    assert "git push" not in local and "config.sh" not in local  # nothing else needs GitHub


@pytest.mark.slow
def test_every_command_on_the_page_works_as_written_in_a_repository_with_a_benchmark_suite(git_repo):
    (git_repo / ".gitignore").write_text("__pycache__/\n")  # init adds its lines to the one already there
    small_suite(git_repo)
    overview = ""
    for block in sh_blocks():
        if block.startswith(GITHUB_BLOCK):
            continue  # pushing and registering a runner need a GitHub repository and a token; none in tests
        for line in commands(block):
            if line.startswith("pip install"):
                continue  # the test checks the perfpages under test, not the latest release from the registry
            if line.startswith("perfpages serve"):
                overview = serve_and_look(line, git_repo)
            else:
                run(line, git_repo)

    (run_,) = load_valid_runs(git_repo / "results")
    assert run_.failures == ()
    assert "pytest_benchmark/tests/test_speed.py_test_area" in {m.scenario for m in run_.measurements}
    assert "pytest_benchmark/tests/test_speed.py_test_area" in overview  # the served dashboard lists it
    assert git(git_repo, "status", "--porcelain") == ""  # results and workflows committed, the rest ignored
    tracked = git(git_repo, "ls-files").splitlines()
    assert {"perfpages.yml", ".github/workflows/bench.yml", ".github/workflows/publish.yml"} <= set(tracked)
    assert any(path.startswith("results/") for path in tracked)
    assert (git_repo / "site" / "perf" / "index.html").is_file()
