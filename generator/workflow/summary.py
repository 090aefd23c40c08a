"""The job-summary Markdown for the gate and publish steps. Every artifact-given string is escaped."""

from __future__ import annotations

from collections.abc import Callable

from perfpages.model import RunRecord, scenario_label
from perfpages.render.markdown import escape, plural, table
from perfpages.runner.summary import summarize
from perfpages.workflow.gate import Decision
from perfpages.workflow.publish import PublishReport


def gate_summary(event_name: str, decision: Decision) -> str:
    verdict = "runs on bare metal" if decision.run else "does not run on bare metal"
    at = f" at `{escape(decision.sha)}`" if decision.sha else ""
    return f"### perfpages gate\n\n{escape(event_name)}: **{verdict}**{at}: {escape(decision.reason)}"


def publish_summary(report: PublishReport) -> str:
    recorded = sum(len(v.new) for v in report.verdicts if v.accepted)
    lines = [
        "### perfpages publish",
        "",
        f"{plural(recorded, 'new file')} recorded from {plural(len(report.verdicts), 'artifact')}; "
        f"{plural(sum(not v.accepted for v in report.verdicts), 'artifact')} and "
        f"{plural(len(report.refused_runs), 'run')} refused; {plural(len(report.skipped), 'run')} skipped.",
    ]
    if report.verdicts:
        rows = [
            [
                str(v.run_id),
                escape(v.artifact),
                "accepted" if v.accepted else "**refused**",
                str(len(v.new)),
                str(len(v.recorded)),
            ]
            for v in report.verdicts
        ]
        lines += ["", table(["run", "artifact", "verdict", "new files", "already recorded"], rows)]
    refusals = [f"- run {r}: {escape(why)}" for r, why in report.refused_runs]
    refusals += [f"- run {v.run_id}, {escape(v.artifact)}: {escape(p)}" for v in report.verdicts for p in v.problems]
    if refusals:
        lines += ["", "Refused, and nothing of it recorded:", "", *refusals]
    if report.skipped:
        lines += ["", "Skipped:", "", *(f"- run {r}: {escape(why)}" for r, why in report.skipped)]
    return "\n".join(lines)


def run_summary(record: RunRecord, value: Callable[[float, str], str]) -> str:
    """One run's table for the job summary: what `perfpages run` prints, with failures, as Markdown."""
    title = f"`{record.head.sha[:12]}` {escape(record.head.subject)}"
    if record.base:
        title = f"`{record.base.sha[:12]}` (base) vs {title}"
    rows = [
        [
            escape(row.scenario),
            row.side,
            escape(f"{row.metric} {'↑' if row.direction == 'higher' else '↓'}"),
            str(row.n),
            escape(value(row.median, row.unit)),
            "-" if row.cv is None else f"{row.cv:.2%}",
        ]
        for row in summarize(record)
    ]
    lines = [f"### perfpages run on {escape(record.machine)}: {title}", ""]
    lines.append(table(["scenario", "side", "metric", "n", "median", "CV"], rows) if rows else "No measurements.")
    failures = [
        f"- **failed:** {escape(scenario_label(f.scenario, f.params))} ({escape(f.phase)}): {escape(f.reason)}"
        for f in record.failures
    ]
    return "\n".join([*lines, *(["", *failures] if failures else [])])
