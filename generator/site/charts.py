"""Chart data as JSON: one file per scenario (trends) and one per comparison (distributions).

The browser script turns these into plotly figures. Numbers are rounded to six
significant digits and keys sorted, so the same results give the same bytes.
"""

from __future__ import annotations

import json

from generator.analysis.comparison import FALSE_ALARM_RATE
from generator.analysis.history import SeriesHistory
from generator.analysis.noise import learn_noise
from generator.analysis.verdict import minimum_detectable_effect
from generator.site.gather import MainStep, ScenarioGroup, Site
from generator.site.judging import Comparison


def dumps(document) -> bytes:
    return (json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def rounded(value: float) -> float:
    return float(f"{value:.6g}")


def commits_document(site: Site) -> dict:
    return {
        "commits": [
            {"sha": c.sha, "date": c.committer_date[:10], "subject": c.subject, "author": c.author}
            for c in site.commits
        ]
    }


def scenario_document(site: Site, group: ScenarioGroup, floors: dict[str, float]) -> dict:
    position = site.commit_index
    per_test = FALSE_ALARM_RATE / max(1, len(site.histories))
    metrics: dict[str, dict] = {}
    for history in group.histories:
        s = history.series
        entry = metrics.setdefault(
            s.key.metric, {"metric": s.key.metric, "unit": s.unit, "direction": s.direction.value, "series": []}
        )
        entry["series"].append(_trend(history, position, floors.get(s.key.metric, 0.0), per_test))
    return {"label": group.label, "metrics": [metrics[m] for m in sorted(metrics)]}


def _trend(history: SeriesHistory, position: dict[str, int], floor: float, per_test: float) -> dict:
    s = history.series
    return {
        "machine": s.key.machine,
        "x": [position[c] for c in s.commits],
        "y": list(map(rounded, s.medians.tolist())),
        # The band spans the samples, or an imported point's interval when it came with no samples.
        "lo": list(map(rounded, s.low.tolist())),
        "hi": list(map(rounded, s.high.tolist())),
        "threshold": _threshold(history, position, floor, per_test),
        "changes": [
            {
                "x": position[c.first_bad],
                "base_x": position[c.last_good],
                "change": rounded(c.change),
                "verdict": c.verdict.value,
            }
            for c in history.changes
        ],
        "environments": [{"x": position[d.at], "text": d.environment} for d in history.discontinuities],
    }


def _threshold(history: SeriesHistory, position: dict[str, int], floor: float, per_test: float) -> dict | None:
    """The band a PR based on the newest commit must leave to be flagged: level +- the MDE."""
    s = history.series
    latest = s.commits[-1]
    segment = s.history_until(latest)
    noise = learn_noise(segment)
    if noise is None:
        return None
    mde = minimum_detectable_effect(noise, floor, per_test)
    # The band belongs to the current level: from the last change (or environment change) on.
    start = len(s) - len(segment)
    if history.changes:
        start = max(start, s.positions[history.changes[-1].first_bad])
    return {
        "x0": position[s.commits[start]],
        "x1": position[latest],
        "level": rounded(noise.base_level),
        "mde": rounded(mde),
    }


def step_samples_document(step: MainStep) -> dict:
    """Samples of the series that shifted level at a commit on main."""
    return {
        "series": [
            _samples_entry(
                f"{c.history.series.key.label} · {c.history.series.key.metric}",
                c.history.series.key.machine,
                c.history.series.unit,
                c.before.samples,
                c.after.samples,
            )
            for c in step.step.shifted
        ]
    }


def _samples_entry(label: str, machine: str, unit: str, base, head) -> dict:
    return {
        "label": label,
        "machine": machine,
        "unit": unit,
        "base": [rounded(x) for x in base],
        "head": [rounded(x) for x in head],
    }


def samples_document(comparison: Comparison) -> dict:
    """Raw samples of the series that changed, for the page's distribution plots."""
    return {
        "series": [
            _samples_entry(
                f"{v.series.label} · {v.series.metric}",
                v.series.machine,
                v.series.unit,
                v.series.base_samples,
                v.series.head_samples,
            )
            for v in comparison.report.changed
        ]
    }
