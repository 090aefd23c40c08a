"""The ``perfpages`` command line. The only module that prints or exits.

Exit codes: 0 success; 1 an error perfpages explains (bad config, invalid results,
git failure); 2 wrong usage; 3 the run finished but at least one scenario failed
(its results file is still written, with the failure recorded); 4 `compare
--fail-on regression` found a regression.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import socket
import sys
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from generator import __version__, git
from generator.analysis import changepoints
from generator.analysis.comparison import compare as compare_series
from generator.analysis.csvinput import read_csv_series
from generator.analysis.history import analyse_history
from generator.analysis.series import build_series, comparison_inputs
from generator.config import load_config
from generator.errors import PerfpagesError, ResultsError
from generator.model import Config, Scenario, scenario_label
from generator.render.comparison import history_json, report_json, report_markdown
from generator.results.check import check_results
from generator.results.store import load_all
from generator.runner.executor import SubprocessExecutor
from generator.runner.fingerprint import fingerprint, noise_warnings
from generator.runner.jobs import Job, JobResult, new_run_id, run_backfill, run_comparison, run_here
from generator.runner.session import RunOptions
from generator.runner.summary import summarize

EXIT_SCENARIO_FAILED = 3
EXIT_REGRESSION = 4
# Outside a terminal (CI logs, pipes) rich would assume 80 columns and fold scenario labels.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def results_option(help_text: str):
    return click.option(
        "--results",
        "results_dir",
        default="results",
        show_default=True,
        type=click.Path(file_okay=False),
        help=help_text,
    )


config_option = click.option(
    "-c",
    "--config",
    "config_path",
    default="perfpages.yml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Scenario file.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="perfpages")
def cli() -> None:
    """Continuous benchmarking with results in git and a static dashboard.

    \b
    Typical use:
      perfpages run                      measure HEAD, write results/<machine>/...json
      perfpages run --against main       interleaved A/B of main's merge base vs HEAD
      perfpages run --commits v1.0..main backfill history, one results file per commit
      perfpages check                    validate every results file
      perfpages record --push            commit new results and push, retrying on races

    Scenarios are described in perfpages.yml; see docs/configuration.md.
    """


def _emit_json(doc) -> None:
    # Plain json.dumps, not rich: rich wraps long lines at the console width, which breaks JSON.
    click.echo(json.dumps(doc, indent=2, sort_keys=True))


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted; no results file was written for the unfinished run")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PerfpagesError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted; no results file was written for the unfinished run")
        sys.exit(130)


# ---------------------------------------------------------------- run


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
    results = _execute(repo, scenarios, options, Path(results_dir), against, head_rev, commits, no_save, as_json)
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
        _emit_json(doc[0] if len(doc) == 1 else doc)
        return
    for result in results:
        _print_table(result)
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
            escape(_fmt(row.median, row.unit)),
            cv,
        )
    out.print(table)
    for f in record.failures:
        label = escape(scenario_label(f.scenario, f.params))
        err.print(f"[red]failed:[/] {label} ({f.phase}): {escape(f.reason)}", highlight=False)
        if f.stderr_tail:
            err.print("  " + f.stderr_tail.strip().splitlines()[-1][:200], highlight=False, markup=False)


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        for scale, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if value >= scale:
                return f"{value / scale:.3f} {suffix}"
        return f"{value * 1e9:.0f} ns"
    if unit == "bytes":
        return f"{value / 2**20:.1f} MiB"
    if unit == "instructions":
        return f"{value:,.0f}"
    return f"{value:,.6g} {unit}" if value < 1e6 else f"{value:,.0f} {unit}"


# ---------------------------------------------------------------- check


@cli.command()
@results_option("Results folder to validate.")
@click.option("--json", "as_json", is_flag=True, help='Print {"runs": N, "series": S, "points": P, "problems": [...]}.')
def check(results_dir: str, as_json: bool) -> None:
    """Validate every results file; exit 1 if any has a problem.

    \b
    Finds truncated or invalid JSON, NaN and infinities, wrong types, negative
    times, files from a newer perfpages, misplaced files and duplicate run ids.
    All problems are listed, one per line, as `path: field: message`.
    """
    report = check_results(Path(results_dir))
    if as_json:
        _emit_json(report.to_json())
    else:
        for problem in report.problems:
            err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        err.print(
            f"{report.runs} runs, {report.series} series, {report.points} points, {len(report.problems)} problems",
            highlight=False,
        )
    if not report.ok:
        sys.exit(1)


# ---------------------------------------------------------------- record


@cli.command()
@results_option("Results folder.")
@click.option("--push", is_flag=True, help="Push after committing; on rejection, rebase and retry.")
@click.option("--remote", default="origin", show_default=True)
@click.option("--branch", help="Branch to push to [default: the current branch].")
@click.option("--retries", default=5, show_default=True, type=click.IntRange(min=1), help="Push attempts.")
@click.option("-m", "--message", help="Commit message [default: describes the new runs].")
@click.option("--json", "as_json", is_flag=True, help="Print the commit and push outcome as JSON.")
def record(results_dir, push, remote, branch, retries, message, as_json) -> None:
    """Commit new results files (validated first) and optionally push them.

    Only files under the results folder are committed. Because every run has its
    own file, a rejected push is resolved by rebasing, which never conflicts.
    """
    results = Path(results_dir)
    report = check_results(results)
    if not report.ok:
        raise PerfpagesError("refusing to record invalid results:\n" + "\n".join(map(str, report.problems)))
    repo = git.open_repo(results.resolve())
    root = git.repo_root(repo).resolve()
    inside = results.resolve().relative_to(root)
    new = [Path(p) for p in repo.untracked_files if Path(p).is_relative_to(inside)]
    paths = [root / p for p in new]
    outcome = git.record(repo, paths, message or _record_message(new), push, remote, branch, retries)
    if as_json:
        files = [str(p) for p in new]
        _emit_json({"commit": outcome.commit, "pushed": outcome.pushed, "attempts": outcome.attempts, "files": files})
    elif outcome.commit is None:
        err.print("nothing to record: no new results files")
    else:
        pushed = f", pushed after {outcome.attempts} attempt(s)" if outcome.pushed else ""
        err.print(f"committed {len(new)} file(s) as {outcome.commit[:12]}{pushed}")


def _record_message(files: list[Path]) -> str:
    runs = sorted({p.stem for p in files if p.suffix == ".json"})
    return f"perf: record {len(runs)} run(s)\n\n" + "\n".join(runs)


# ---------------------------------------------------------------- compare


@cli.command()
@click.argument("base")
@click.argument("head")
@config_option
@results_option("Results folder.")
@click.option("--machine", help="Only series measured on this machine.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["regression", "never"]),
    default="never",
    show_default=True,
    help="Exit 4 when the comparison finds a regression.",
)
def compare(base, head, config_path, results_dir, machine, fmt, fail_on) -> None:
    """Verdict per series between two commits that both have results.

    \b
    Each series is judged against noise learned from its own history on the main
    branch up to BASE. A change is called only when it clears the metric's floor,
    beats that noise with false alarms held to 5% across all series (Benjamini-
    Hochberg), and, where raw samples exist, a Mann-Whitney test agrees. The
    rustc-perf/rustls fence rule is reported beside it. BASE and HEAD are any git
    revisions; an interleaved `run --against` of exactly these commits is preferred.
    """
    report = load_comparison(config_path, results_dir, base, head, machine)
    if fmt == "json":
        _emit_json(report_json(report))
    elif fmt == "markdown":
        click.echo(report_markdown(report), nl=False)
    else:
        _print_comparison(report)
    if fail_on == "regression" and report.regressions:
        sys.exit(EXIT_REGRESSION)


def load_comparison(config_path: str, results_dir: str, base: str, head: str, machine: str | None):
    config = load_config(config_path)
    repo = git.open_repo(Path(config_path).resolve().parent)
    base_sha, head_sha = git.commit_info(repo, base).sha, git.commit_info(repo, head).sha
    runs = [r.record for r in _valid_runs(Path(results_dir))]
    series = build_series(runs, git.first_parent_shas(repo, config.project.main_branch))
    inputs = comparison_inputs(series, runs, base_sha, head_sha, machine)
    if not any(i.base_samples and i.head_samples for i in inputs):
        raise PerfpagesError(
            f"no series has results for both {base_sha[:12]} and {head_sha[:12]}; "
            "run `perfpages run --against BASE` or measure both commits first"
        )
    return compare_series(base_sha, head_sha, inputs, dict(config.project.floors))


def _print_comparison(report) -> None:
    table = Table(title=escape(f"{report.base[:12]} → {report.head[:12]}"), title_justify="left")
    for column in ("series", "base", "head", "change", "detectable", "verdict", "fence rule"):
        table.add_column(column, overflow="fold")
    for v in sorted(report.series, key=lambda v: (v.verdict.value == "unchanged", -abs(v.change or 0))):
        s = v.series
        table.add_row(
            escape(f"{s.label} {s.metric}"),
            escape(_fmt(v.base, s.unit)),
            escape(_fmt(v.head, s.unit)),
            f"{v.change:+.2%}",
            f"{v.mde:.2%}" if v.mde == v.mde else "n/a",
            escape(f"{v.verdict.value}: {v.reason}"),
            f"{v.fence_verdict.value} (±{v.fence.threshold:.2%})",
        )
    out.print(table)
    err.print(
        f"{len(report.regressions)} regressions, {len(report.improvements)} improvements; false alarms held "
        f"to {report.false_alarm_rate:.0%}, the fence rule would expect {report.expected_false_alarms_fence:.2f}",
        highlight=False,
    )


# ---------------------------------------------------------------- changes


@cli.command()
@config_option
@results_option("Results folder.")
@click.option("--json", "as_json", is_flag=True, help="Print every change, pending change and environment change.")
def changes(config_path: str, results_dir: str, as_json: bool) -> None:
    """List level shifts along the main branch, each with the commit range that holds it.

    \b
    A change needs 5 runs on each side. A shift in the newest runs is listed as
    pending, with how many more runs would confirm it. A change of machine
    environment (CPU, kernel, governor, perfpages version) starts a new segment and
    is listed as a discontinuity, never as a regression.
    """
    config = load_config(config_path)
    repo = git.open_repo(Path(config_path).resolve().parent)
    runs = [r.record for r in _valid_runs(Path(results_dir))]
    main_order = git.first_parent_shas(repo, config.project.main_branch)
    histories = [analyse_history(s) for s in build_series(runs, main_order)]
    if as_json:
        _emit_json([history_json(h) for h in histories if h.changes or h.pending or h.discontinuities])
        return
    table = Table("series", "commits", "change", "verdict", title="changes on main", title_justify="left")
    for h in histories:
        label = escape(f"{h.series.key.label} {h.series.key.metric} ({h.series.key.machine})")
        for c in h.changes:
            table.add_row(label, f"{c.last_good[:12]}..{c.first_bad[:12]}", f"{c.change:+.2%}", c.verdict.value)
        if h.pending:
            p = h.pending
            table.add_row(
                label, f"since {p.since[:12]}", f"{p.change:+.2%}", f"pending: {p.runs_to_confirm} more runs to confirm"
            )
        for d in h.discontinuities:
            table.add_row(label, f"at {d.at[:12]}", "", escape(f"environment changed: {d.environment}"))
    out.print(table)


def _valid_runs(results: Path):
    report = check_results(results)
    if not report.ok:
        raise ResultsError(list(report.problems))
    return load_all(results)[0]


# ---------------------------------------------------------------- detect


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print {path: [{index, before, after, change, confidence}]}.")
def detect(files: tuple[str, ...], as_json: bool) -> None:
    """Find level shifts in series given as CSV files.

    \b
    Each CSV has a header row and one row per point, oldest first. Values come from
    the column named `value`, or else the last column; a `commit` or `label` column
    is echoed back. `index` is the 0-based position of the first point of the new
    level. A change needs 5 points on each side to be confirmed.
    """
    found = {}
    for path in files:
        series = read_csv_series(path)
        points = changepoints.detect(series.values)
        found[path] = [_change_json(c, series.tags) for c in points]
    if as_json:
        _emit_json(found)
        return
    for path, points in found.items():
        table = Table(title=escape(path), title_justify="left")
        for column in ("index", "commit/label", "before", "after", "change", "confidence"):
            table.add_column(column)
        for p in points:
            tag = p.get("commit") or p.get("label") or ""
            table.add_row(
                str(p["index"]),
                escape(tag),
                f"{p['before']:.6g}",
                f"{p['after']:.6g}",
                f"{p['change']:+.2%}",
                f"{p['confidence']:.3f}",
            )
        out.print(table if points else f"{escape(path)}: no change points")


def _change_json(c, tags) -> dict:
    doc = {"index": c.index, "before": c.before, "after": c.after, "change": c.change, "confidence": c.confidence}
    return doc | tags[c.index]


# ---------------------------------------------------------------- scenarios


@cli.command("scenarios")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the scenarios as JSON.")
def list_scenarios(config_path: str, as_json: bool) -> None:
    """List the scenarios of perfpages.yml after matrix expansion."""
    config = load_config(config_path)
    rows = [
        {
            "label": s.label,
            "name": s.name,
            "params": dict(s.params),
            "command": str(s.command),
            "repetitions": s.repetitions,
            "metrics": [m.name for m in s.metrics],
            "tags": list(s.tags),
        }
        for s in config.scenarios
    ]
    if as_json:
        _emit_json(rows)
        return
    table = Table("scenario", "repetitions", "metrics", "command")
    for r in rows:
        table.add_row(escape(r["label"]), str(r["repetitions"]), escape(", ".join(r["metrics"])), escape(r["command"]))
    out.print(table)
