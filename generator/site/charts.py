"""Chart data as JSON: one file per scenario (trends) and one per comparison (distributions).

The browser script turns these into plotly figures. Numbers are rounded to six
significant digits and keys sorted, so the same results give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from perfpages.analysis.comparison import FALSE_ALARM_RATE
from perfpages.analysis.history import SeriesHistory
from perfpages.analysis.noise import learn_noise
from perfpages.analysis.series import Series, SeriesKey
from perfpages.analysis.verdict import minimum_detectable_effect
from perfpages.site.gather import MainStep, ScenarioGroup, Site
from perfpages.site.judging import Comparison


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


@dataclass(frozen=True)
class TrendText:
    """A series' chart columns as JSON text, with a digest of the numbers they were written from.

    Writing 2,000 points of 400 series as rounded JSON takes 2 s; a new run on main only adds one
    point to each, so the next build appends to these instead (see ``trend_text``)."""

    points: int
    digest: bytes
    columns: tuple[str, ...]  # JSON lists, in the order of TREND_COLUMNS


TREND_COLUMNS = ("x", "y", "lo", "hi")


def trend_text(series: Series, position: dict[str, int], kept: TrendText | None) -> TrendText:
    """x (the commit positions), y (medians) and the band (lo, hi) of ``series`` as JSON lists.

    The band spans the samples, or an imported point's interval when it came with no samples."""
    x = np.fromiter((position[c] for c in series.commits), dtype=np.int64, count=len(series))
    numbers = (x, series.medians, series.low, series.high)
    start = 0
    if kept is not None and kept.points <= len(series) and _digest(numbers, kept.points) == kept.digest:
        start = kept.points  # the points written before are unchanged: only newer ones are written
    texts = []
    for i, column in enumerate(numbers):
        added = column[start:].tolist()
        text = json.dumps(added if i == 0 else list(map(rounded, added)), separators=(",", ":"))
        texts.append(_joined(kept.columns[i], text) if start else text)
    return TrendText(len(series), _digest(numbers, len(series)), tuple(texts))


def _digest(numbers: tuple[np.ndarray, ...], points: int) -> bytes:
    digest = hashlib.sha1()
    for column in numbers:
        digest.update(np.ascontiguousarray(column[:points], dtype=np.float64).tobytes())
    return digest.digest()


def _joined(before: str, after: str) -> str:
    """Two JSON lists as one."""
    if after == "[]":
        return before
    return after if before == "[]" else f"{before[:-1]},{after[1:]}"


def scenario_chart(
    site: Site, group: ScenarioGroup, floors: dict[str, float], kept: Mapping[SeriesKey, TrendText]
) -> tuple[bytes, tuple[TrendText, ...]]:
    """The scenario's chart data, and the trend text of each of its series (``group.histories``
    order) for the next build; ``kept`` holds the previous build's."""
    position = site.commit_index
    per_test = FALSE_ALARM_RATE / max(1, len(site.histories))
    metrics: dict[str, dict] = {}
    texts = []
    nonce = uuid.uuid4().hex  # a placeholder no label or machine name can equal
    for history in group.histories:
        s = history.series
        entry = metrics.setdefault(
            s.key.metric, {"metric": s.key.metric, "unit": s.unit, "direction": s.direction.value, "series": []}
        )
        texts.append(trend_text(s, position, kept.get(s.key)))
        trend = _trend(history, position, floors.get(s.key.metric, 0.0), per_test)
        entry["series"].append(trend | {c: f"{nonce}:{len(texts) - 1}:{c}" for c in TREND_COLUMNS})
    document = dumps({"label": group.label, "metrics": [metrics[m] for m in sorted(metrics)]}).decode()
    placeholder = re.compile(f'"{nonce}:(\\d+):(\\w+)"')
    filled = placeholder.sub(lambda m: texts[int(m[1])].columns[TREND_COLUMNS.index(m[2])], document)
    return filled.encode(), tuple(texts)


def _trend(history: SeriesHistory, position: dict[str, int], floor: float, per_test: float) -> dict:
    """A series' chart entry without its columns (``trend_text``)."""
    s = history.series
    return {
        "machine": s.key.machine,
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
