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

from perfpages.analysis import fence as compat
from perfpages.analysis.comparison import Priors
from perfpages.analysis.history import SeriesHistory
from perfpages.analysis.priors import PriorRequest, learn_priors
from perfpages.analysis.series import Series, SeriesKey
from perfpages.render.comparison import shift_label
from perfpages.render.markdown import percent
from perfpages.render.units import axis_scale, ladder_json
from perfpages.site.gather import MainStep, ScenarioGroup, Site
from perfpages.site.jsontext import dumps, rounded
from perfpages.site.judging import Comparison


def commits_document(site: Site) -> dict:
    """The measured commits on main, oldest first; ``unmeasured`` counts the commits of main before
    one (since the measured one before it) that have no results, when there are any."""
    unmeasured = site.unmeasured or (0,) * len(site.commits)
    return {
        "commits": [
            {"sha": c.sha, "date": c.committer_date[:10], "subject": c.subject, "author": c.author}
            | ({"unmeasured": n} if n else {})
            for c, n in zip(site.commits, unmeasured, strict=True)
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
    x = commit_positions(series.commits, position)
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


def commit_positions(commits: tuple[str, ...], position: Mapping[str, int]) -> np.ndarray:
    """Each commit's place in the site's measured commits: the x of a chart point."""
    return np.fromiter((position[c] for c in commits), dtype=np.int64, count=len(commits))


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
    priors = _newest_priors(group, floors)
    metrics: dict[str, dict] = {}
    texts = []
    nonce = uuid.uuid4().hex  # a placeholder no label or machine name can equal
    for history in group.histories:
        s = history.series
        entry = metrics.setdefault(
            s.key.metric, {"metric": s.key.metric, "unit": s.unit, "direction": s.direction.value, "series": []}
        )
        texts.append(trend_text(s, position, kept.get(s.key)))
        trend = _trend(history, position, priors.get(s.key))
        entry["series"].append(trend | {c: f"{nonce}:{len(texts) - 1}:{c}" for c in TREND_COLUMNS})
    for metric in metrics.values():
        metric |= _display_units(
            metric["unit"], [h.series for h in group.histories if h.series.key.metric == metric["metric"]]
        )
    document = dumps({"label": group.label, "metrics": [metrics[m] for m in sorted(metrics)]}).decode()
    placeholder = re.compile(f'"{nonce}:(\\d+):(\\w+)"')
    filled = placeholder.sub(lambda m: texts[int(m[1])].columns[TREND_COLUMNS.index(m[2])], document)
    return filled.encode(), tuple(texts)


def _display_units(unit: str, series: list[Series]) -> dict:
    """How the chart shows a metric's values: the axis in one step of the unit's ladder (the
    tables' ``human`` steps), tooltips with the ladder itself so each reads as a table cell does."""
    scale = axis_scale((float(np.max(np.abs(s.medians))) for s in series if len(s)), unit)
    return {"scale": {"factor": scale.factor, "name": scale.name}, "ladder": ladder_json(unit)}


def _newest_priors(group: ScenarioGroup, floors: dict[str, float]) -> dict[SeriesKey, Priors]:
    """What a PR based on each series' newest commit would be judged against: the very function
    the PR pages learn their thresholds with, so the chart's band is the PR page's number."""
    requests = [PriorRequest(h.series, h.series.commits[-1]) for h in group.histories if len(h.series)]
    return {key: found for (key, _), found in learn_priors(requests, floors).items()}


def _trend(history: SeriesHistory, position: dict[str, int], priors: Priors | None) -> dict:
    """A series' chart entry without its columns (``trend_text``)."""
    s = history.series
    return {
        "machine": s.key.machine,
        "threshold": None if priors is None else _threshold(s, position, priors.fence),
        "changes": [
            {
                "x": position[c.first_bad],
                "base_x": position[c.last_good],
                "change": rounded(c.change),
                # The shift as every table sizes it: "+0.02 (from 0)" from a level of 0, not "+0.0%".
                "label": shift_label(c.change, c.before, c.after, s.unit, digits=1),
                "verdict": c.verdict.value,
            }
            for c in history.changes
        ],
        "environments": [{"x": position[d.at], "text": d.change} for d in history.discontinuities],
    }


def threshold_label(fence: compat.Fence) -> str:
    """The threshold as a PR page's threshold column writes it."""
    return "±" + percent(fence.threshold, signed=False)


def _threshold(s: Series, position: dict[str, int], fence: compat.Fence) -> dict:
    """The band a PR based on the newest commit must leave for the fence rule to flag it: the newest
    value ± the fence threshold, drawn over the points the fence was learned from."""
    latest = len(s) - 1
    first = max(0, latest - min(fence.history_points, compat.HISTORY_RUNS) + 1)
    return {
        "x0": position[s.commits[first]],
        "x1": position[s.commits[latest]],
        "level": rounded(float(s.medians[latest])),
        "threshold": rounded(fence.threshold),
        "label": threshold_label(fence),
        "method": fence.method,
        "points": fence.history_points,
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
        "ladder": ladder_json(unit),  # tooltips write values as the tables do
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
