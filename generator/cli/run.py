"""`perfpages run`: measure scenarios and write results files."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import signal
import socket
import sys
from dataclasses import replace
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from perfpages import git
from perfpages.cli.app import (
    EXIT_SCENARIO_FAILED,
    cli,
    config_option,
    emit_json,
    err,
    fmt_value,
    out,
    results_option,
)
from perfpages.config import load_config
from perfpages.errors import PerfpagesError, RunNotSavedError, RunStopped
from perfpages.model import Config, Scenario, scenario_label
from perfpages.results.staging import remove_stale
from perfpages.runner.doctor import noise_warnings
from perfpages.runner.executor import SubprocessExecutor
from perfpages.runner.fingerprint import fingerprint
from perfpages.runner.jobs import Job, JobResult, new_run_id, run_backfill, run_comparison, run_here
from perfpages.runner.session import RunOptions
from perfpages.runner.summary import summarize
from perfpages.workflow.actions import append_summary
from perfpages.workflow.summary import run_summary

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@cli.command()
@config_option
@click.option(
    "-s",
    "--scenario",
    "patterns",
    multiple=True,
    metavar="GLOB",
    help="Run only scenarios whose name or label matches (repeatable), e.g. 'tls_*'.",
)
@click.option("-n", "--repetitions", type=click.IntRange(min=1), help="Override every scenario's repetitions.")
@click.option("--against", metavar="REV", help="Interleaved A/B run: the merge base of REV versus --head.")
@click.option(
    "--head", "head_rev", default="HEAD", show_default=True, metavar="REV", help="The head side of --against."
)
@click.option(
    "--commits",
    metavar="A..B",
    help="Backfill: one run per first-parent commit of the range (a single REV means its whole first-parent history).",
)
@click.option("--pr", "pull_request", type=click.IntRange(min=1), help="Pull-request number to record.")
@click.option(
    "--machine",
    help="Machine name for results/<machine>/ [default: project.machine, $PERFPAGES_MACHINE, or the host name].",
)
@click.option("--run-id", help="Run id used in the file name [default: GitHub run id, or time + random].")
@results_option("Results folder.")
@click.option("--cpus", help="Pin scenarios to these CPUs, e.g. '2,3' or '2-5'.")
@click.option("--ci-url", envvar="PERFPAGES_CI_URL", help="Link to the CI run, stored with the results.")
@click.option("--no-save", is_flag=True, help="Measure and print the summary, but write no results file.")
@click.option("--allow-dirty", is_flag=True, help="Measure a working tree with uncommitted changes anyway.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of a table.")
def run(
    config_path,
    patterns,
    repetitions,
    against,
    head_rev,
    commits,
    pull_request,
    machine,
    run_id,
    results_dir,
    cpus,
    ci_url,
    no_save,
    allow_dirty,
    as_json,
) -> None:
    """Run benchmark scenarios and write one results file per run.

    \b
    Without --against or --commits, measures the current working tree and
    attributes the results to HEAD. Repetitions are interleaved across scenarios
    (and, with --against, between base and head, alternating which goes first)
    so that machine drift cancels out. Scenarios that crash, exit non-zero or
    time out are recorded as failures; the rest carry on, and the exit code is 3.
    """
    if against and commits:
        raise click.UsageError("use either --against or --commits, not both")
    config = load_config(config_path)
    scenarios = _select(config, patterns, repetitions)
    repo = git.open_repo(Path(config_path).resolve().parent)
    if not (against or commits or no_save or allow_dirty) and git.has_tracked_changes(repo):
        raise PerfpagesError(
            "the working tree has uncommitted changes, so results would not match HEAD; "
            "commit them, or pass --allow-dirty (or --no-save to just look)"
        )
    options = RunOptions(
        machine=_machine(machine, config),
        run_id=_run_id(run_id),
        branch=None if against or commits else git.current_branch(repo),
        pull_request=pull_request,
        ci_url=ci_url,
        cpus=_parse_cpus(cpus),
        keep_profiles=config.project.keep_profiles == "always"
        or (config.project.keep_profiles == "comparisons" and bool(against)),
        project_root=Path(config_path).resolve().parent,
    )
    _warn_noise(options.cpus, quiet=as_json)
    _clean_up_after_killed_runs(repo, None if no_save else Path(results_dir))
    try:
        with _stopped_by_signals():
            results = _execute(
                repo, scenarios, options, Path(results_dir), against, head_rev, commits, no_save, as_json
            )
    except RunNotSavedError as exc:
        if exc.rescued is None:  # the last copy of the run: print it rather than lose it
            click.echo(exc.document, nl=False)
        raise
    _report(results, as_json, announced=bool(commits))
    if any(r.record.failures for r in results):
        sys.exit(EXIT_SCENARIO_FAILED)


def _select(config: Config, patterns: tuple[str, ...], repetitions: int | None) -> tuple[Scenario, ...]:
    chosen = [s for s in config.scenarios if not patterns or any(_matches(s, p) for p in patterns)]
    if not chosen:
        names = ", ".join(sorted({s.name for s in config.scenarios}))
        raise PerfpagesError(f"no scenario matches {' '.join(patterns)}; scenarios in {config.path}: {names}")
    if repetitions:
        chosen = [replace(s, repetitions=repetitions) for s in chosen]
    return tuple(chosen)


def _matches(scenario: Scenario, pattern: str) -> bool:
    # An exact label first: labels contain [..], which fnmatch would read as a character class.
    if pattern in (scenario.name, scenario.label):
        return True
    return fnmatch.fnmatchcase(scenario.name, pattern) or fnmatch.fnmatchcase(scenario.label, pattern)


def _machine(option: str | None, config: Config) -> str:
    name = option or config.project.machine or os.environ.get("PERFPAGES_MACHINE") or socket.gethostname()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:64]
    if not slug:
        raise PerfpagesError(f"machine name {name!r} has no usable characters; pass --machine NAME")
    return slug


def _run_id(option: str | None) -> str:
    if option is None:
        return new_run_id()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,55}", option):
        raise click.BadParameter("use letters, digits, '.', '_' and '-' (at most 56)", param_hint="--run-id")
    return option


def _parse_cpus(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    cpus: set[int] = set()
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            cpus.update(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected a list like '2,3' or '2-5'", param_hint="--cpus") from None
    return tuple(sorted(cpus))


def _warn_noise(cpus: tuple[int, ...], quiet: bool) -> None:
    if quiet:
        return
    for warning in noise_warnings(fingerprint(cpus)):
        err.print(f"[yellow]warning:[/] {escape(str(warning))}", highlight=False)


def _clean_up_after_killed_runs(repo, results_dir: Path | None) -> None:
    """A run killed with SIGKILL cannot tidy up; the next one does, and says what it removed."""
    worktrees = git.prune_worktrees(repo)
    if worktrees:
        err.print(f"removed {len(worktrees)} worktree folder(s) of killed runs:", highlight=False)
    for folder in worktrees:
        err.print(f"  {folder}", highlight=False, markup=False)
    removed = remove_stale(results_dir) if results_dir is not None else []
    if removed:
        err.print(f"removed {len(removed)} leftover(s) of killed runs:", highlight=False)
    for leftover in removed:
        err.print(f"  {leftover.path}: {leftover.what}", highlight=False, markup=False)


@contextlib.contextmanager
def _stopped_by_signals():
    """SIGTERM (a cancelled CI job, `timeout`, systemd) stops the run as Ctrl-C does: the running
    scenario's process group is killed, worktrees are removed, and no results file is written."""

    def stop(signum, frame) -> None:
        for caught in STOP_SIGNALS:  # a second signal must not cut the tidying short
            signal.signal(caught, signal.SIG_IGN)
        raise RunStopped(signal.Signals(signum))

    previous = {caught: signal.signal(caught, stop) for caught in STOP_SIGNALS}
    try:
        yield
    finally:
        for caught, handler in previous.items():
            signal.signal(caught, handler)


def _execute(repo, scenarios, options, results_dir, against, head_rev, commits, no_save, quiet) -> list[JobResult]:
    with _ProgressReporter(quiet) as report:
        job = Job(scenarios, SubprocessExecutor(), options, results_dir, save=not no_save, progress=report)
        if against:
            return [run_comparison(repo, job, against, head_rev)]
        if commits:
            return run_backfill(repo, job, commits, on_result=None if quiet else _announce)
        return [run_here(repo, job)]


def _announce(result: JobResult) -> None:
    err.print(f"wrote {result.path}" if result.path else "not saved (--no-save)", highlight=False)


class _ProgressReporter:
    """A rich progress bar with ETA on a terminal; one line per step in CI logs."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar: Progress | None = None

    def __enter__(self):
        if self.quiet:
            return None
        if not err.is_terminal:
            return lambda done, total, what: err.print(f"[{done}/{total}] {what}", highlight=False, markup=False)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=err,
        )
        self.bar.start()
        task = self.bar.add_task("starting", total=None)
        return lambda done, total, what: self.bar.update(task, completed=done, total=total, description=what[:60])

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _report(results: list[JobResult], as_json: bool, announced: bool) -> None:
    if as_json:
        doc = [_result_json(r) for r in results]
        emit_json(doc[0] if len(doc) == 1 else doc)
        return
    for result in results:
        _print_table(result)
        append_summary(run_summary(result.record, fmt_value))  # in Actions: the job summary too
        if not announced:  # a backfill said where each file went as it was written
            _announce(result)


def _result_json(result: JobResult) -> dict:
    record = result.record
    return {
        "path": str(result.path) if result.path else None,
        "run_id": record.run_id,
        "machine": record.machine,
        "kind": record.kind,
        "head": record.head.sha,
        "base": record.base.sha if record.base else None,
        "summary": [row.to_json() for row in summarize(record)],
        "failures": [
            {"scenario": f.scenario, "params": dict(f.params), "commit": f.commit, "phase": f.phase, "reason": f.reason}
            for f in record.failures
        ],
    }


def _print_table(result: JobResult) -> None:
    record = result.record
    title = f"{record.head.sha[:12]} {record.head.subject}"
    if record.base:
        title = f"{record.base.sha[:12]} (base) vs {title}"
    table = Table(title=escape(title), title_justify="left")
    for column in ("scenario", "side", "metric", "n", "median", "CV"):
        table.add_column(
            column,
            justify="right" if column in ("n", "median", "CV") else "left",
            overflow="fold",
            no_wrap=column != "scenario",
        )
    for row in summarize(record):
        cv = "-" if row.cv is None else f"{row.cv:.2%}"
        arrow = "↑" if row.direction == "higher" else "↓"
        table.add_row(
            escape(row.scenario),
            row.side,
            escape(f"{row.metric} {arrow}"),
            str(row.n),
            escape(fmt_value(row.median, row.unit)),
            cv,
        )
    out.print(table)
    for f in record.failures:
        label = escape(scenario_label(f.scenario, f.params))
        err.print(f"[red]failed:[/] {label} ({f.phase}): {escape(f.reason)}", highlight=False)
        if f.stderr_tail:
            err.print("  " + f.stderr_tail.strip().splitlines()[-1][:200], highlight=False, markup=False)
