"""Real git repositories with chosen commit dates, for the tests of history order and run ids."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from click.testing import CliRunner

from perfpages import git as gitlib
from perfpages.cli import cli
from perfpages.importers import FORMATS
from perfpages.importers.convert import ImportOptions
from perfpages.importers.session import ImportTally, import_items

CASES = Path(__file__).resolve().parents[1] / ".." / "shared" / "cases" / "importers-and-history"
PROJECT = "project:\n  name: tz\n  main_branch: main\nscenarios: []\n"
# Commits 1-4 in UTC+9 and 5-8 in UTC-8, one hour apart in real time (00:00 .. 07:00 UTC): as text,
# every -08:00 date sorts before every +09:00 one.
ZONED_DATES = (
    "2026-11-21T09:00:00+09:00",
    "2026-11-21T10:00:00+09:00",
    "2026-11-21T11:00:00+09:00",
    "2026-11-21T12:00:00+09:00",
    "2026-11-20T20:00:00-08:00",
    "2026-11-20T21:00:00-08:00",
    "2026-11-20T22:00:00-08:00",
    "2026-11-20T23:00:00-08:00",
)


def git_at(cwd: Path, date: str, *args: str) -> str:
    """git with the identity of the cases' scripts and both dates set to ``date``."""
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME")},
        "GIT_AUTHOR_NAME": "Example",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Example",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commits_at(repo: Path, dates: tuple[str, ...], subject: str = "change") -> list[str]:
    """A fresh repository at ``repo`` with one commit per date on main; their SHAs, oldest first."""
    repo.mkdir(parents=True, exist_ok=True)
    git_at(repo, dates[0], "init", "-q", "-b", "main")
    shas = []
    for i, date in enumerate(dates, 1):
        (repo / "f.txt").write_text(f"{i}\n")
        git_at(repo, date, "add", "f.txt")
        git_at(repo, date, "commit", "-q", "-m", f"{subject} {i}")
        shas.append(git_at(repo, date, "rev-parse", "HEAD"))
    return shas


def hyperfine_file(path: Path, n: int, seconds: float) -> Path:
    """The hyperfine result make.sh of case 10 writes: ``run`` makes each file's bytes distinct."""
    result = {"command": "./app", "run": n, "mean": seconds, "times": [seconds] * 3}
    path.write_text(json.dumps({"results": [result]}))
    return path


def import_for(repo: Path, fmt: str, source: Path, sha: str, machine: str = "ci") -> ImportTally:
    """``perfpages import FMT SOURCE --commit SHA --machine MACHINE`` run in ``repo``."""
    info = gitlib.commit_info(gitlib.open_repo(repo), sha)
    return import_items(FORMATS[fmt]([source]), ImportOptions(fmt, machine, info), repo / "results", lambda s: None)


def zoned_history(repo: Path, inputs: Path) -> list[str]:
    """Case 09's and 10's history: 8 commits in two time zones, 1.00 s for commits 1-4 and 1.50 s
    for 5-8, each imported from its own hyperfine file, and perfpages.yml."""
    shas = commits_at(repo, ZONED_DATES)
    inputs.mkdir(exist_ok=True)
    for n, sha in enumerate(shas, 1):
        source = hyperfine_file(inputs / f"h{n}.json", n, 1.0 if n <= 4 else 1.5)
        assert import_for(repo, "hyperfine", source, sha).written == 1
    (repo / "perfpages.yml").write_text(PROJECT)
    return shas


def perfpages_json(cwd: Path, *args: str, flag: tuple[str, ...] = ("--json",)):
    """A command run in ``cwd`` in this process with ``flag``, its JSON output parsed; asserts exit 0."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        done = CliRunner().invoke(cli, [*args, *flag], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)
