"""The three ways to run: the current checkout, an interleaved A/B comparison, and a backfill.

Each job measures, then writes one results file per run. Nothing is written until a
run has finished, so Ctrl-C leaves no partial file behind.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from perfpages import git
from perfpages.errors import GitError, RunNotSavedError
from perfpages.model import RunRecord, Scenario
from perfpages.results.codec import record_commits, to_document
from perfpages.results.store import dumps, rescue_run, run_path, write_run
from perfpages.runner.executor import Executor
from perfpages.runner.fingerprint import fingerprint
from perfpages.runner.plan import Side
from perfpages.runner.session import ProgressFn, RunOptions, measure


@dataclass(frozen=True)
class Job:
    scenarios: tuple[Scenario, ...]
    executor: Executor
    options: RunOptions
    results_dir: Path
    save: bool = True
    progress: ProgressFn | None = None


@dataclass(frozen=True)
class JobResult:
    record: RunRecord
    path: Path | None  # None with --no-save


def new_run_id() -> str:
    """In GitHub Actions: run id, attempt and job (two jobs of one workflow may share a machine).

    Elsewhere: a UTC time stamp and a random suffix.
    """
    run, attempt = os.environ.get("GITHUB_RUN_ID"), os.environ.get("GITHUB_RUN_ATTEMPT", "1")
    if run:
        job = re.sub(r"[^A-Za-z0-9_-]+", "-", os.environ.get("GITHUB_JOB", ""))[:20].strip("-")
        return f"gh{run}-{attempt}" + (f"-{job}" if job else "")
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def run_here(repo, job: Job) -> JobResult:
    """Measure the working tree, attributed to HEAD."""
    head = git.commit_info(repo, "HEAD")
    return _measure_and_save(job, (Side("head", head, git.repo_root(repo)),))


def run_comparison(repo, job: Job, against: str, head_rev: str = "HEAD") -> JobResult:
    """Interleaved A/B between the merge base of ``against`` and ``head_rev``, each in a worktree."""
    head = git.commit_info(repo, head_rev)
    base = git.commit_info(repo, git.merge_base(repo, against, head.sha))
    if base.sha == head.sha:
        raise GitError(f"{head_rev} is already contained in {against}; nothing to compare")
    with git.worktree(repo, base.sha) as base_root, git.worktree(repo, head.sha) as head_root:
        sides = (Side("base", base, base_root), Side("head", head, head_root))
        return _measure_and_save(job, sides)


def run_backfill(repo, job: Job, spec: str, on_result: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """One run per commit of ``spec``, oldest first, each in its own worktree and results file."""
    results = []
    commits = git.commit_range(repo, spec)
    for i, commit in enumerate(commits):
        run_id = f"{job.options.run_id}-{i + 1}" if len(commits) > 1 else job.options.run_id
        one = replace(job, options=replace(job.options, run_id=run_id))
        with git.worktree(repo, commit.sha) as root:
            result = _measure_and_save(one, (Side("head", commit, root),))
        results.append(result)
        if on_result:
            on_result(result)
    return results


def _measure_and_save(job: Job, sides: tuple[Side, ...]) -> JobResult:
    with tempfile.TemporaryDirectory(prefix="perfpages-profiles-") as tmp:
        profiles = Path(tmp) / "profiles"
        profiles.mkdir()
        record = measure(
            job.scenarios, sides, job.executor, job.options, fingerprint(job.options.cpus), profiles, job.progress
        )
        path = _save(job.results_dir, record, profiles) if job.save else None
    return JobResult(record, path)


def _save(results_dir: Path, record: RunRecord, profiles: Path) -> Path:
    """Write the run; if the disk refuses (full, read-only, failing), keep it somewhere else."""
    try:
        return write_run(results_dir, record, profiles)
    except OSError as exc:
        dest = run_path(results_dir, record)
        rescued = rescue_run(record, profiles, _rescue_places())
        raise RunNotSavedError(dest, exc, rescued, dumps(to_document(record, record_commits(record)))) from None


def _rescue_places() -> tuple[Path, ...]:
    # The system temp folder is often on the disk that just filled; /dev/shm is memory.
    return (Path(tempfile.gettempdir()), Path.home(), Path("/dev/shm"))
