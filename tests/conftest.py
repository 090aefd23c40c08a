"""Factories shared by the tests: records, scenarios, a scripted executor and real git repos."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from perfpages.model import Command, CommitInfo, Direction, Measurement, MetricSpec, RunRecord, Scenario
from perfpages.runner.executor import Execution, Invocation

SHA_A = "a" * 40
SHA_B = "b" * 40


def make_commit(sha: str = SHA_A, **over) -> CommitInfo:
    values = dict(
        subject="Speed up the parser",
        author="Ada",
        author_date="2026-11-01T10:00:00+00:00",
        committer_date="2026-11-01T10:00:00+00:00",
        parents=(),
    )
    values.update(over)
    return CommitInfo(sha=sha, **values)


def make_record(**over) -> RunRecord:
    values = dict(
        run_id="r1",
        machine="bench-1",
        head=make_commit(),
        started_at="2026-11-02T00:00:00Z",
        finished_at="2026-11-02T00:01:00Z",
        tool_version="0.1.0",
        fingerprint={"cpu_model": "test"},
        measurements=(
            Measurement("parse", "wall_time", "s", Direction.LOWER, SHA_A, (0.5, 0.51, 0.49)),
            Measurement(
                "serve",
                "requests_per_s",
                "1/s",
                Direction.HIGHER,
                SHA_A,
                (1000.0, 1010.0),
                params=(("body_size", "10"),),
            ),
        ),
    )
    values.update(over)
    return RunRecord(**values)


def make_scenario(name: str = "s", metrics: tuple[str, ...] = ("wall_time",), **over) -> Scenario:
    from perfpages.model import BUILTIN_METRICS

    specs = tuple(MetricSpec(m, BUILTIN_METRICS[m].unit, BUILTIN_METRICS[m].direction) for m in metrics)
    values = dict(name=name, command=Command(argv=("true",)), metrics=specs, warmup=0, repetitions=3)
    values.update(over)
    return Scenario(**values)


@dataclass
class FakeExecutor:
    """Returns scripted executions and remembers every invocation, in order.

    ``script`` maps an invocation to an Execution; by default every command succeeds
    instantly with stdout ``{"rate": 100}``.
    """

    script: Callable[[Invocation], Execution] | None = None
    calls: list[Invocation] = field(default_factory=list)

    def execute(self, invocation: Invocation) -> Execution:
        self.calls.append(invocation)
        if self.script is not None:
            return self.script(invocation)
        return ok_execution()


def ok_execution(stdout: str = '{"rate": 100}', wall: float = 0.1) -> Execution:
    return Execution(returncode=0, wall_time=wall, cpu_time=wall * 0.9, max_rss=10_000_000, stdout=stdout, stderr="")


def git(cwd: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """A real repository with one commit on main, and a local identity."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "t@example.com")
    (repo / "README").write_text("project\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def commit_file(repo: Path, name: str, text: str, message: str) -> str:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


PYTHON = sys.executable
