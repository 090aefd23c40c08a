"""A ComparisonReport as JSON (for scripts) or Markdown (for PR comments and pages)."""

from __future__ import annotations

import math

from perfpages.analysis.comparison import ComparisonReport, SeriesVerdict, with_unit
from perfpages.analysis.events import Event, PendingEvent
from perfpages.analysis.history import Change, Pending, SeriesHistory
from perfpages.analysis.verdict import Verdict
from perfpages.render.escape import comment as escape
from perfpages.render.markdown import percent, table

MARKS = {
    Verdict.REGRESSED: "❌ regressed",
    Verdict.IMPROVED: "✅ improved",
    Verdict.UNCHANGED: "unchanged",
    Verdict.NO_BASELINE: "no baseline",
}


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def series_json(v: SeriesVerdict) -> dict:
    s = v.series
    return {
        "scenario": s.scenario,
        "params": dict(s.params),
        "metric": s.metric,
        "machine": s.machine,
        "unit": s.unit,
        "direction": s.direction.value,
        "base": v.base,
        "head": v.head,
        "change": _number(v.change),
        "absolute_change": _number(v.absolute_change),
        "verdict": v.verdict.value,
        "reason": v.reason,
        "level_change": _number(v.level_change),
        "p_history": v.p_history,
        "q_value": v.q_value,
        "p_samples": v.p_samples,
        "noise_sigma": v.noise.sigma if v.noise else None,
        "history_points": v.noise.history_points if v.noise else len(s.history),
        "history_end": s.history_end or None,
        "used_defaults": v.used_defaults,
        "bimodal": bool(v.noise and v.noise.bimodal),
        "mde": _number(v.mde),
        "fence": {
            "threshold": v.fence.threshold,
            "method": v.fence.method,
            "floor": v.fence.floor,
            "history_points": v.fence.history_points,
            "verdict": v.fence_verdict.value,
            "magnitude": v.magnitude.name.lower() if v.change is not None else None,
            "relevant": v.relevant,
        },
    }


def report_json(report: ComparisonReport) -> dict:
    return {
        "base": report.base,
        "head": report.head,
        "false_alarm_rate": report.false_alarm_rate,
        "expected_false_alarms": report.expected_false_alarms,
        "expected_false_alarms_fence": report.expected_false_alarms_fence,
        "fence_direction": report.fence_direction,
        "regressions": len(report.regressions),
        "improvements": len(report.improvements),
        "missing": list(report.missing),
        "new": list(report.new),
        "caveats": list(report.caveats),
        "series": [series_json(v) for v in report.series],
    }


def change_label(v: SeriesVerdict) -> str:
    """The relative change, or for a change from exactly 0 (no relative size) the absolute one;
    plain text (the unit is untrusted: escape it for the output)."""
    if v.change is None and v.absolute_change is not None:
        return f"{with_unit(v.absolute_change, v.series.unit, signed=True)} (from 0)"
    return percent(v.change)


def magnitude_label(v: SeriesVerdict) -> str:
    """rustc-perf's size bucket, or "n/a (from 0)": a change from exactly 0 has no relative size to
    bucket, and "very small" would call an error rate going from 0 to 2% small."""
    return "n/a (from 0)" if v.change is None else v.magnitude.name.lower().replace("_", " ")


def shift_label(change: float, before: float, after: float, unit: str, digits: int = 2) -> str:
    """A level shift's size: relative, or absolute with "(from 0)" when the level before was 0 (a
    relative size from 0 does not exist, and "+0.00%" would hide the shift); plain text."""
    if before:
        return f"{change:+.{digits}%}"
    return f"{with_unit(after - before, unit, signed=True)} (from 0)"


def shift_text(change: float, before: float, after: float, unit: str) -> str:
    """shift_label as Markdown (the unit is untrusted)."""
    label = shift_label(change, before, after, unit)
    return label if before else escape(label)


def change_text(v: SeriesVerdict) -> str:
    """change_label as Markdown."""
    return escape(change_label(v)) if v.change is None else percent(v.change)


def _value(value: float | None, unit: str) -> str:
    return "n/a" if value is None else escape(with_unit(value, unit))  # no "0 1" for a dimensionless unit


def _row(v: SeriesVerdict) -> list[str]:
    s = v.series
    name = escape(f"{s.label} · {s.metric}")
    return [
        name,
        _value(v.base, s.unit),
        _value(v.head, s.unit),
        change_text(v),
        percent(v.mde, signed=False),
        MARKS[v.verdict],
        escape(v.reason),
    ]


def report_markdown(report: ComparisonReport) -> str:
    headers = ["series", "base", "head", "change", "detectable", "verdict", "why"]
    changed = [v for v in report.series if v.verdict in (Verdict.REGRESSED, Verdict.IMPROVED)]
    rest = [v for v in report.series if v not in changed]
    lines = [
        f"**{len(report.regressions)} regressions, {len(report.improvements)} improvements** "
        f"between `{escape(report.base[:12])}` and `{escape(report.head[:12])}` "
        f"({len(report.series)} series).",
        "",
    ]
    if changed:
        lines += [table(headers, [_row(v) for v in sorted(changed, key=lambda v: -abs(v.change or 0))]), ""]
    if rest:
        lines += [
            "<details><summary>Other series</summary>",
            "",
            table(headers, [_row(v) for v in rest]),
            "",
            "</details>",
            "",
        ]
    lines.append(
        f"False alarms are held to {report.false_alarm_rate:.0%} per comparison "
        f"(Benjamini-Hochberg); the rustc-perf fence rule would expect "
        f"{report.expected_false_alarms_fence:.2f} false alarms here. "
        '"detectable" is the smallest change each series can show.'
    )
    for title, labels in (("Missing at head", report.missing), ("New at head", report.new)):
        if labels:
            lines += ["", f"{title}: " + ", ".join(escape(label) for label in labels)]
    lines += ["", *caveat_lines(report)] if report.caveats else []
    return "\n".join(lines) + "\n"


def caveat_lines(report: ComparisonReport) -> list[str]:
    """The report's caveats as Markdown notes, one a line (empty when there are none)."""
    return [f"> **Note:** {escape(note)}" for note in report.caveats]


def history_json(history: SeriesHistory) -> dict:
    key = history.series.key
    return {
        **_key_json(key),
        "machine": key.machine,
        "changes": [
            {
                "last_good": c.last_good,
                "first_bad": c.first_bad,
                **_shift_size(c),
                "confidence": c.confidence,
                "verdict": c.verdict.value,
            }
            for c in history.changes
        ],
        "pending": None
        if history.pending is None
        else {
            "since": history.pending.since,
            **_shift_size(history.pending),
            "runs_to_confirm": history.pending.runs_to_confirm,
            "verdict": history.pending.verdict.value,
        },
        "discontinuities": [
            {"at": d.at, "environment": d.environment, "change": d.change} for d in history.discontinuities
        ],
    }


def event_json(event: Event, machine_change: str) -> dict:
    """Shifts of one machine in one commit range, largest first; ``machine_change`` is what differs
    between the machine's runs at the two commits ("" when nothing does)."""
    return {
        "machine": event.machine,
        "last_good": event.last_good,
        "first_bad": event.first_bad,
        "regressions": event.regressions,
        "improvements": event.improvements,
        "machine_change": machine_change,
        "series": [_key_json(c.series.key) | _shift_size(c) | {"verdict": c.verdict.value} for c in event.changes],
    }


def pending_event_json(event: PendingEvent) -> dict:
    """Unconfirmed shifts of one machine since one commit, largest first."""
    return {
        "machine": event.machine,
        "since": event.since,
        "series": [
            _key_json(p.series.key)
            | _shift_size(p)
            | {
                "runs_to_confirm": p.runs_to_confirm,
                "verdict": p.verdict.value,
            }
            for p in event.pending
        ],
    }


def _shift_size(shift: Change | Pending) -> dict:
    """A shift's levels, their difference and the relative change, which is null from a level of 0:
    it has no relative size (Pending holds 0.0 there, which read as no change at all)."""
    return {
        "before": shift.before,
        "after": shift.after,
        "change": shift.change if shift.before else None,
        "absolute_change": shift.after - shift.before,
    }


def _key_json(key) -> dict:
    return {"scenario": key.scenario, "params": dict(key.params), "metric": key.metric}
