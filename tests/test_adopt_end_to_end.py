"""Adopting perfpages as a newcomer does: a fresh repository with a small pytest-benchmark suite, then
`perfpages init`, a run at two commits, `record`, `build`, and the scenario page in a real browser.

Nothing is written by hand but the repository's own code and its pytest settings, which keep the
benchmarks short (pytest-benchmark's own options): the perfpages.yml is init's, unedited."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfpages.results.check import load_valid_runs
from tests.conftest import commit_file, git
from tests.test_cli_end_to_end import perfpages

pytest.importorskip("pytest_benchmark", reason="pytest-benchmark is in the test extra: pip install -e '.[test]'")
playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARGS.append("--disable-sync")
SHOTS = Path("/tmp/adopt-shots")

LIBRARY = """\
def area(n):
    return sum(i * i for i in range(n * {scale}))


def perimeter(n):
    return sum(range(n))
"""
BENCHMARKS = """\
import shapes


def test_area(benchmark):
    benchmark(shapes.area, 200)


def test_perimeter(benchmark):
    benchmark(shapes.perimeter, 200)
"""
# The repository's own pytest settings: a few short rounds, so that two runs take seconds.
PYTEST_INI = """\
[pytest]
addopts = -p no:cacheprovider --benchmark-max-time=0.02 --benchmark-min-rounds=5 --benchmark-warmup=off
pythonpath = .
"""


def small_suite(repo: Path) -> None:
    (repo / "tests").mkdir()
    (repo / "shapes.py").write_text(LIBRARY.format(scale=1))
    (repo / "tests" / "test_speed.py").write_text(BENCHMARKS)
    (repo / "pytest.ini").write_text(PYTEST_INI)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "A small library and its benchmarks")


def ok(done) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served(tmp_path) -> Iterator[callable]:
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield serve
    for server in servers:
        server.shutdown()


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not installed (apt-get install chromium)")
def test_a_pytest_benchmark_repository_adopts_perfpages_and_sees_both_commits(git_repo, served):
    small_suite(git_repo)
    ok(perfpages(git_repo, "init"))
    (listed,) = json.loads(ok(perfpages(git_repo, "scenarios", "--json")))
    assert listed["report"] == {"format": "pytest-benchmark", "file": ".perfpages-output/pytest-benchmark.json"}
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "Adopt perfpages")
    first = git(git_repo, "rev-parse", "HEAD")
    ok(perfpages(git_repo, "run", "-n", "1", "--machine", "laptop"))
    second = commit_file(git_repo, "shapes.py", LIBRARY.format(scale=8), "Make area eight times the work")
    ok(perfpages(git_repo, "run", "-n", "1", "--machine", "laptop"))
    ok(perfpages(git_repo, "record"))
    assert git(git_repo, "status", "--porcelain", "--", "results") == ""  # both runs are committed

    runs = load_valid_runs(git_repo / "results")
    assert sorted(r.head.sha for r in runs) == sorted([first, second])
    for run in runs:
        assert run.failures == ()
        series = {m.scenario for m in run.measurements}
        assert series == {
            "pytest_benchmark",  # the suite's wall time
            "pytest_benchmark/tests/test_speed.py_test_area",
            "pytest_benchmark/tests/test_speed.py_test_perimeter",
        }

    ok(perfpages(git_repo, "build"))
    url = served(git_repo / "site")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            tab.on("pageerror", lambda e: problems.append(str(e)))
            tab.goto(url + "perf/")
            tab.get_by_role("link", name="pytest_benchmark/tests/test_speed.py_test_area").first.click()
            tab.wait_for_function(
                "document.querySelector('.pp-chart[data-kind=\"trend\"]')?.dataset.state === 'drawn'", timeout=15000
            )
            chart = tab.locator('.pp-chart[data-kind="trend"]').first
            points = chart.locator(".cartesianlayer .scatterlayer path.point")
            assert points.count() == 2  # one marker per measured commit, oldest first
            for i, subject in enumerate(["Adopt perfpages", "Make area eight times the work"]):
                points.nth(i).hover(force=True)
                tab.wait_for_function(
                    f"document.querySelector('.hoverlayer')?.textContent.includes({subject!r})", timeout=5000
                )
            SHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SHOTS / "adopted-scenario.png"), full_page=True)
            assert problems == []
        finally:
            browser.close()
