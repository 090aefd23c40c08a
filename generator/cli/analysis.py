"""`perfpages compare`, `changes` and `detect`: verdicts and change points."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from perfpages import git
from perfpages.analysis import changepoints
from perfpages.analysis.comparison import ComparisonReport
from perfpages.analysis.comparison import compare as compare_series
from perfpages.analysis.csvinput import read_csv_series
from perfpages.analysis.environment import fingerprints_by_commit
from perfpages.analysis.history import analyse_history
from perfpages.analysis.series import SampleIndex, build_series, comparison_inputs
from perfpages.cli.app import (
    EXIT_REGRESSION,
    cli,
    config_option,
    emit_json,
    err,
    fail_on_option,
    fmt_value,
    out,
    results_option,
    say_order,
)
from perfpages.cli.changelist import changes_table, grouped
from perfpages.config import load_settings
from perfpages.errors import PerfpagesError
from perfpages.render.comment import CommentContext, render_comment
from perfpages.render.comparison import (
    change_label,
    event_json,
    history_json,
    pending_event_json,
    report_json,
    report_markdown,
)
from perfpages.render.markdown import plural
from perfpages.results.check import load_valid_runs
from perfpages.results.order import MainOrder, main_order, with_comparisons


@cli.command()
@click.argument("base")
@click.argument("head")
@config_option
@results_option("Results folder.")
@click.option("--machine", help="Only series measured on this machine.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json", "comment"]),
    default="text",
    show_default=True,
    help="comment: the PR comment's layout (see `perfpages comment`) for any two commits.",
)
@fail_on_option
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
    report, order = load_comparison(config_path, results_dir, base, head, machine)
    if fmt == "json":
        emit_json(report_json(report) | {"order": order.to_json()})
    elif fmt == "markdown":
        click.echo(report_markdown(report), nl=False)
    elif fmt == "comment":
        repo = git.open_repo(Path(config_path).resolve().parent)
        machines = tuple(sorted({v.series.machine for v in report.series}))
        context = CommentContext(git.commit_info(repo, base), git.commit_info(repo, head), machines=machines)
        click.echo(render_comment(report, context).body, nl=False)
    else:
        _print_comparison(report)
    if fmt != "json":
        say_order(order)
    if fail_on == "regression" and report.regressions:
        sys.exit(EXIT_REGRESSION)


def load_comparison(
    config_path: str, results_dir: str, base: str, head: str, machine: str | None
) -> tuple[ComparisonReport, MainOrder]:
    config = load_settings(config_path)
    repo = git.open_repo(Path(config_path).resolve().parent)
    base_sha, head_sha = git.commit_info(repo, base).sha, git.commit_info(repo, head).sha
    if base_sha == head_sha:
        raise PerfpagesError(f"{base} and {head} are the same commit ({head_sha[:12]}); compare two different commits")
    runs = load_valid_runs(Path(results_dir))
    order = main_order(Path(config_path), config.project.main_branch, runs)
    series = build_series(runs, order.shas)
    position = {sha: i for i, sha in enumerate(order.shas)}
    inputs = comparison_inputs(series, SampleIndex.of(runs), base_sha, head_sha, machine, position)
    if not any(i.base_samples and i.head_samples for i in inputs):
        raise PerfpagesError(
            f"no series has results for both {base_sha[:12]} and {head_sha[:12]}; "
            "run `perfpages run --against BASE` or measure both commits first"
        )
    return compare_series(base_sha, head_sha, inputs, dict(config.project.floors)), order


def _set_aside(series, histories) -> list[str]:
    """What the change list leaves out, and why."""
    notes = []
    # Counted per series: a re-run may contradict its first run in some series and agree in the rest.
    superseded = sum(s.superseded for s in series)
    if superseded:
        them = "it" if superseded == 1 else "them"
        notes.append(
            f"{plural(superseded, 'measurement')} set aside: a later run of the same commit disagreed with {them}"
        )
    below = sum(h.below_floor for h in histories)
    if below:
        notes.append(f"{below} level shifts not listed: smaller than their metric's floor")
    return notes


def _print_comparison(report) -> None:
    table = Table(title=escape(f"{report.base[:12]} → {report.head[:12]}"), title_justify="left")
    for column in ("series", "base", "head", "change", "detectable", "verdict", "fence rule"):
        table.add_column(column, overflow="fold")
    for v in sorted(report.series, key=lambda v: (v.verdict.value == "unchanged", -abs(v.change or 0))):
        s = v.series
        table.add_row(
            escape(f"{s.label} {s.metric}"),
            escape(fmt_value(v.base, s.unit)),
            escape(fmt_value(v.head, s.unit)),
            escape(change_label(v)),
            f"{v.mde:.2%}" if v.mde == v.mde else "n/a",
            escape(f"{v.verdict.value}: {v.reason}"),
            f"{v.fence_verdict.value} (±{v.fence.threshold:.2%})",
        )
    out.print(table)
    for note in report.caveats:
        err.print(escape(f"note: {note}"), highlight=False)
    err.print(
        f"{len(report.regressions)} regressions, {len(report.improvements)} improvements; false alarms held "
        f"to {report.false_alarm_rate:.0%}, the fence rule would expect {report.expected_false_alarms_fence:.2f}",
        highlight=False,
    )


@cli.command()
@config_option
@results_option("Results folder.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print {order, series, events, pending_events}: every change, pending change and environment "
    "change per series, and the same shifts grouped into events.",
)
def changes(config_path: str, results_dir: str, as_json: bool) -> None:
    """List level shifts along the main branch, newest first, each with the commit range that holds it.

    \b
    A change needs 5 runs on each side. Shifts of one machine in the same commit
    range are one event, one row: "240 series on bm-1 moved together", with what
    differs between the machine's runs at the two commits (turbo, Python...), its
    5 largest shifts below it and the rest counted (--json lists them all). A shift
    in the newest runs is listed as pending, with how many more runs would confirm
    it. A change of machine environment (CPU, kernel, governor, perfpages version)
    starts a new segment and is listed as a discontinuity, never as a regression.
    """
    config = load_settings(config_path)
    runs = load_valid_runs(Path(results_dir))
    order = with_comparisons(main_order(Path(config_path), config.project.main_branch, runs), runs)
    series = build_series(runs, order.shas)
    histories = [analyse_history(s, floors=dict(config.project.floors)) for s in series]
    for note in _set_aside(series, histories):
        err.print(escape(f"note: {note}"), highlight=False)
    position = {sha: i for i, sha in enumerate(order.shas)}
    groups = grouped(histories, position, fingerprints_by_commit(runs))
    if as_json:
        shown = [history_json(h) for h in histories if h.changes or h.pending or h.discontinuities]
        events = [event_json(e, groups.machine_change(e)) for e in groups.events]
        emit_json(
            {
                "order": order.to_json(),
                "series": shown,
                "events": events,
                "pending_events": [pending_event_json(p) for p in groups.pending],
            }
        )
        return
    say_order(order)
    out.print(changes_table(histories, groups, position))
    shifts = sum(len(e.changes) for e in groups.events)
    err.print(
        f"{plural(shifts, 'level shift')} in {plural(len(groups.events), 'event')} (one per machine and commit range)",
        highlight=False,
    )


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print {path: [{index, before, after, change, absolute_change, confidence}]}; change is null from 0.",
)
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
        emit_json(found)
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
                f"{p['change']:+.2%}" if p["change"] is not None else f"{p['absolute_change']:+.6g} (from 0)",
                f"{p['confidence']:.3f}",
            )
        out.print(table if points else f"{escape(path)}: no change points")


def _change_json(c, tags) -> dict:
    """A change from 0 has no relative size: ``change`` is null and ``absolute_change`` says it."""
    change = c.change if c.before else None
    doc = {"index": c.index, "before": c.before, "after": c.after, "change": change}
    doc |= {"absolute_change": c.absolute_change, "confidence": c.confidence}
    return doc | tags[c.index]
