"""The rustc-perf / rustls significance rule, reproduced as the compatible baseline.

threshold = max(Q3 + 3 * IQR of |relative change| between consecutive runs, floor)

using the HISTORY_RUNS runs on main up to the base (count-based, not rustls's 30
days) and interpolated quantiles. With fewer than MIN_HISTORY runs the per-metric
default applies instead. Magnitude buckets follow rustc-perf's comparison.rs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from perfpages.analysis.rows import relative_change_rows

HISTORY_RUNS = 30
MIN_HISTORY = 10
IQR_MULTIPLIER = 3.0
# metric -> (default without enough history, floor); rustls's bench-app values.
# Custom metrics are treated like wall time: they are timings or rates measured the same way.
THRESHOLDS = {"instructions": (0.002, 0.002), "wall_time": (0.05, 0.01), "max_rss": (0.001, 0.001)}
OTHER_METRICS = (0.05, 0.01)
TINY_CHANGE = 0.0001  # below this a change is VERY_SMALL whatever the threshold (rustc-perf)
NOISY_FACTOR = 2.0  # rustc-perf treats every metric but instruction counts as noisy


class Magnitude(IntEnum):
    VERY_SMALL = 1
    SMALL = 2
    MEDIUM = 3
    LARGE = 4
    VERY_LARGE = 5


@dataclass(frozen=True, slots=True)
class Fence:
    threshold: float  # relative, e.g. 0.018 for 1.8 %
    method: str  # "history-iqr" or "default"
    history_points: int
    floor: float


def relative_changes(history: np.ndarray) -> np.ndarray:
    """|x[i+1] / x[i] - 1|, leaving out changes from zero (they have no relative size)."""
    rel, valid = relative_change_rows(np.asarray(history, dtype=float)[None, :])
    return np.abs(rel[0][valid[0]])


def fence(history, metric: str, floors: dict[str, float] | None = None) -> Fence:
    """The threshold for a comparison whose base is the last value of ``history``."""
    recent = np.asarray(history, dtype=float)[-HISTORY_RUNS:]
    return fence_rows(recent[None, :], metric, floors)[0]


def floor_of(metric: str, floors: Mapping[str, float] | None = None) -> float:
    """The smallest relative change that counts for ``metric``: the configured floor
    (``thresholds`` in perfpages.yml), else rustls's per-metric one."""
    return (floors or {}).get(metric, THRESHOLDS.get(metric, OTHER_METRICS)[1])


def fence_rows(windows: np.ndarray, metric: str, floors: dict[str, float] | None = None) -> list[Fence]:
    """``fence`` for every row of a block of equal-length histories (newest point last)."""
    default = THRESHOLDS.get(metric, OTHER_METRICS)[0]
    floor = floor_of(metric, floors)
    recent = windows[:, -HISTORY_RUNS:]
    rows, length = recent.shape
    fallback = Fence(max(default, floor), "default", length, floor)
    if length < MIN_HISTORY:
        return [fallback] * rows
    rel, valid = relative_change_rows(recent)
    complete = valid.all(axis=1)
    q1, q3 = np.quantile(np.abs(rel), [0.25, 0.75], axis=1)
    return [
        _iqr_fence(q1[r], q3[r], length, floor) if complete[r] else _with_gaps(recent[r], floor, fallback)
        for r in range(rows)
    ]


def _iqr_fence(q1: float, q3: float, points: int, floor: float) -> Fence:
    return Fence(max(float(q3 + IQR_MULTIPLIER * (q3 - q1)), floor), "history-iqr", points, floor)


def _with_gaps(history: np.ndarray, floor: float, fallback: Fence) -> Fence:
    """A history holding zeros: changes from zero have no relative size and are left out."""
    changes = relative_changes(history)
    if len(changes) < MIN_HISTORY - 1:
        return fallback
    q1, q3 = np.quantile(changes, [0.25, 0.75])
    return _iqr_fence(q1, q3, len(history), floor)


def magnitude(change: float, threshold: float, metric: str) -> Magnitude:
    """rustc-perf's bucket: the mean of a threshold-relative and an absolute bucket, rounded down."""
    size = abs(change)
    if size < TINY_CHANGE:
        return Magnitude.VERY_SMALL
    over = _bucket(size / threshold, (1.5, 3.0, 6.0, 12.0))
    percent = size * 100 / (1.0 if metric == "instructions" else NOISY_FACTOR)
    absolute = _bucket(percent, (0.2, 1.0, 2.0, 5.0))
    return Magnitude((over + absolute) // 2)


def _bucket(value: float, edges: tuple[float, ...]) -> int:
    return 1 + sum(value >= edge for edge in edges)


def summary_direction(relevant: list[tuple[bool, Magnitude]]) -> str | None:
    """rustc-perf's overall direction of a comparison from its relevant changes.

    ``relevant`` holds (is_regression, magnitude) per relevant change. Returns None,
    "improvement", "regression" or "mixed".
    """
    if not relevant:
        return None
    regressions = [m for bad, m in relevant if bad]
    improvements = [m for bad, m in relevant if not bad]
    if not regressions:
        return "improvement"
    if not improvements:
        return "regression"
    share = len(regressions) / len(relevant)
    big_bad = any(m >= Magnitude.MEDIUM for m in regressions)
    big_good = any(m >= Magnitude.MEDIUM for m in improvements)
    if big_bad and big_good:
        return "mixed"
    if big_good:
        return "mixed" if share >= 0.15 else "improvement"
    if big_bad:
        return "mixed" if share < 0.85 else "regression"
    if 0.1 <= share <= 0.9:
        return "mixed"
    return "improvement" if share < 0.1 else "regression"
