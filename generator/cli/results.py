"""`perfpages check`, `record` and `scenarios`: the results folder and the scenario list."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from perfpages import git
from perfpages.cli.app import (
    cli,
    config_option,
    emit_json,
    err,
    out,
    results_option,
)
from perfpages.config import load_config
from perfpages.errors import PerfpagesError
from perfpages.results.check import check_results
from perfpages.results.recordable import select


@cli.command()
@results_option("Results folder to validate.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"runs": N, "series": S, "points": P, "left_out": F, "problems": [...]}.',
)
def check(results_dir: str, as_json: bool) -> None:
    """Validate every results file; exit 1 if any has a problem.

    \b
    Finds truncated or invalid JSON, NaN and infinities, wrong types, negative
    times, files from a newer perfpages, misplaced files and duplicate run ids.
    All problems are listed, one per line, as `path: field: message`.
    """
    report = check_results(Path(results_dir))
    if as_json:
        emit_json(report.to_json())
    else:
        for problem in report.problems:
            err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        left_out = f", {report.left_out} files left out for their errors above" if report.left_out else ""
        err.print(
            f"{report.runs} runs, {report.series} series, {report.points} points, "
            f"{len(report.problems)} problems{left_out}",
            highlight=False,
        )
    if not report.ok:
        sys.exit(1)


@cli.command()
@results_option("Results folder.")
@click.option("--push", is_flag=True, help="Push after committing; on rejection, rebase and retry.")
@click.option("--remote", default="origin", show_default=True)
@click.option("--branch", help="Branch to push to [default: the current branch].")
@click.option("--retries", type=click.IntRange(min=1), help="Stop after this many push attempts [default: no cap].")
@click.option(
    "--push-timeout",
    default=git.PUSH_TIME_LIMIT,
    show_default=True,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Keep retrying a rejected push, with jittered backoff, for this long.",
)
@click.option("-m", "--message", help="Commit message [default: describes the new runs].")
@click.option("--json", "as_json", is_flag=True, help="Print the commit and push outcome as JSON.")
def record(results_dir, push, remote, branch, retries, push_timeout, message, as_json) -> None:
    """Commit new results files that pass `check`, and optionally push them.

    Only whole, valid run files under the results folder (and their profiles) are
    committed; every other new file there is left out, and the output says which
    and why. Exit 1 when a new results file was left out for failing `check`, after
    the rest were committed. Because every run has its own file, a rejected push is
    resolved by rebasing, which never conflicts.
    """
    results = Path(results_dir)
    report = check_results(results)
    repo = git.open_repo(results.resolve())
    root = git.repo_root(repo).resolve()
    inside = results.resolve().relative_to(root)
    new = [root / p for p in repo.untracked_files if Path(p).is_relative_to(inside)]
    chosen = select(new, report.problems, results)
    if chosen.elsewhere:
        raise PerfpagesError(
            "refusing to record: files already in the repository have problems; fix them first:\n"
            + "\n".join(map(str, chosen.elsewhere))
        )
    files = [p.relative_to(root) for p in chosen.files]
    outcome = git.record(
        repo, list(chosen.files), message or _record_message(files), push, remote, branch, retries, push_timeout
    )
    if as_json:
        emit_json(
            {
                "commit": outcome.commit,
                "pushed": outcome.pushed,
                "attempts": outcome.attempts,
                "files": [str(p) for p in files],
                "left_out": [{"path": str(x.path.relative_to(root)), "why": x.why} for x in chosen.left_out],
            }
        )
    else:
        _say_recorded(outcome, len(files))
        for x in chosen.left_out:
            err.print(f"[yellow]left out:[/] {escape(str(x.path.relative_to(root)))}: {escape(x.why)}", highlight=False)
    if any(x.is_run for x in chosen.left_out):
        sys.exit(1)


def _say_recorded(outcome: git.RecordOutcome, count: int) -> None:
    if outcome.commit is None:
        err.print("nothing to record: no new results files")
    else:
        pushed = f", pushed after {outcome.attempts} attempt(s)" if outcome.pushed else ""
        err.print(f"committed {count} file(s) as {outcome.commit[:12]}{pushed}")


def _record_message(files: list[Path]) -> str:
    runs = sorted({p.stem for p in files if p.suffix == ".json"})
    return f"perf: record {len(runs)} run(s)\n\n" + "\n".join(runs)


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
            "report": {"format": s.report_format, "file": s.output_file} if s.report_format else None,
            "tags": list(s.tags),
        }
        for s in config.scenarios
    ]
    if as_json:
        emit_json(rows)
        return
    table = Table("scenario", "repetitions", "metrics", "command")
    for r in rows:
        reported = [f"each benchmark in its {r['report']['format']} report"] if r["report"] else []
        metrics = ", ".join([*r["metrics"], *reported])
        table.add_row(escape(r["label"]), str(r["repetitions"]), escape(metrics), escape(r["command"]))
    out.print(table)
