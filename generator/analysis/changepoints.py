"""Detect level shifts in one series.

Two detectors, each confirmed by tests that real benchmark noise does not fool:

1. Binary segmentation by rank. Each segment is split where the Mann-Whitney
   statistic between its two parts is largest (Pettitt's test), if the split is
   significant, moves the median by at least MIN_EFFECT noise sigmas, and is not
   explained by a local linear trend (the gap between lines fitted on each side).
2. A window scan for shifts that binary segmentation misses when several changes
   share a segment: the difference of window medians on each side of every point,
   kept where it is large, agrees with the trend-robust line gap, and the new
   change passes a Mann-Whitney test against its neighbouring segments.

Ranks and medians make both indifferent to outliers and to multimodal noise (a
runner flipping between CPU types), which fool mean-based detectors. A change
needs MIN_SEGMENT points on each side, so the newest points can only ever be a
*pending* change, reported with how many more runs would confirm it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from generator.analysis.mannwhitney import mann_whitney_p, rankdata
from generator.analysis.robust import median, noise_sigma, spread

SPLIT_ALPHA = 0.01  # Pettitt p-value for a binary-segmentation split
MIN_SEGMENT = 5  # points needed on each side of a confirmed change
MIN_EFFECT = 1.0  # median shift, in noise sigmas
SPLITS_TRIED = 10  # best split positions tried per segment before giving up on it
TREND_WINDOW = 10  # points per side for the line-gap and window-median statistics
TREND_Z = 1.5  # line gap (in its own sd) a split needs, so trends are not steps
SCAN_Z = 5.0  # window-median gap (in its own sd) for a scan candidate
SCAN_TREND_Z = 2.0
SCAN_ALPHA = 1e-3  # Mann-Whitney p-value a scan candidate needs against its neighbours
NEIGHBOUR_ALPHA = 0.05  # ... and that its neighbouring changes must keep
NEIGHBOUR_EFFECT = 0.5
LOCAL_Z = 3.0  # in sds of a window-median gap
STEP_RATIO = 0.5  # at the tail: line gap / window-median gap a step needs (a trend has about 0)
MEDIAN_SD = 1.2533  # sd of a sample median, in sigmas times 1/sqrt(n), for normal data


@dataclass(frozen=True)
class ChangePoint:
    index: int  # first point of the new level
    before: float  # median of the segment before
    after: float  # median of the segment after
    change: float  # after / before - 1
    confidence: float  # 1 - Mann-Whitney p-value between the two segments


@dataclass(frozen=True)
class PendingChange:
    """A shift in the newest points that is too recent to confirm."""

    index: int
    before: float
    after: float
    change: float
    runs_to_confirm: int


def detect(values) -> tuple[ChangePoint, ...]:
    """Confirmed change points of a series, oldest first."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2 * MIN_SEGMENT:
        return ()
    sigma = noise_sigma(x)
    line_z = _line_gap_z(x, sigma)
    found = _binary_segmentation(x, sigma, line_z)
    found = _add_scan_candidates(x, sigma, found)
    found = _confirm_tail(x, sigma, found)
    return tuple(_describe(x, found, i) for i in range(len(found)))


def pending(values, confirmed: tuple[ChangePoint, ...]) -> PendingChange | None:
    """A shift in the last MIN_SEGMENT - 1 points that all agree, or None.

    One odd point is an outlier, not a change: at least two newest points must sit
    beyond MIN_EFFECT sigmas on the same side of the current level.
    """
    x = np.asarray(values, dtype=float)
    start = confirmed[-1].index if confirmed else 0
    level = x[start:]
    if len(level) < MIN_SEGMENT + 2:
        return None
    sigma = noise_sigma(x)
    for tail in range(MIN_SEGMENT - 1, 1, -1):
        before, recent = level[:-tail], level[-tail:]
        centre = float(median(before))
        shifted = (recent - centre) / sigma
        if np.all(shifted >= 3 * MIN_EFFECT) or np.all(shifted <= -3 * MIN_EFFECT):
            after = float(median(recent))
            return PendingChange(len(x) - tail, centre, after, after / centre - 1, MIN_SEGMENT - tail)
    return None


def _binary_segmentation(x: np.ndarray, sigma: float, line_z: np.ndarray) -> list[int]:
    found, stack = [], [(0, len(x))]
    while stack:
        a, b = stack.pop()
        split = _best_split(x, a, b, sigma, line_z)
        if split is not None:
            found.append(split)
            stack += [(a, split), (split, b)]
    return sorted(found)


def _local_jump(x: np.ndarray, c: int, sigma: float) -> bool:
    """The level jumps *at* c: the medians of the windows on each side differ by LOCAL_Z of
    their own sd. A drift splits into halves that differ, yet makes no jump anywhere."""
    w = min(TREND_WINDOW, c, len(x) - c)
    gap = abs(float(median(x[c : c + w]) - median(x[c - w : c])))
    return gap >= LOCAL_Z * MEDIAN_SD * sigma * np.sqrt(2.0 / w)


def _steplike(x: np.ndarray, c: int) -> bool:
    """A step moves the fitted lines as far as the window medians; a trend moves only the medians."""
    w = min(TREND_WINDOW, c, len(x) - c)
    if w < 3:
        return True
    left, right = x[c - w : c], x[c : c + w]
    median_gap = float(median(right) - median(left))
    idx = np.arange(w, dtype=float)
    left_end = np.polyval(np.polyfit(idx, left, 1), w - 0.5)
    right_start = np.polyval(np.polyfit(idx, right, 1), -0.5)
    line_gap = float(right_start - left_end)
    return median_gap * line_gap > 0 and abs(line_gap) >= STEP_RATIO * abs(median_gap)


def _best_split(x: np.ndarray, a: int, b: int, sigma: float, line_z: np.ndarray) -> int | None:
    segment = x[a:b]
    m = len(segment)
    if m < 2 * MIN_SEGMENT:
        return None
    t, z, pvalue = _pettitt(segment)
    if pvalue > SPLIT_ALPHA:
        return None
    for i in np.argsort(-np.abs(z))[:SPLITS_TRIED]:
        c = int(t[i])
        if c < MIN_SEGMENT or m - c < MIN_SEGMENT:
            continue
        shift = abs(median(segment[c:]) - median(segment[:c])) / sigma
        if shift >= MIN_EFFECT and line_z[a + c] >= TREND_Z and _local_jump(x, a + c, sigma):
            return a + c
    return None


def _pettitt(segment: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Mann-Whitney U of every split, standardised, and Pettitt's p-value for the best one."""
    m = len(segment)
    t = np.arange(1, m)
    u = np.cumsum(rankdata(segment))[:-1] - t * (t + 1) / 2.0
    centred = u - t * (m - t) / 2.0
    k = float(np.max(np.abs(centred)))
    pvalue = min(1.0, 2.0 * np.exp(-6.0 * k * k / (m**3 + m**2)))
    return t, centred / np.sqrt(t * (m - t) * (m + 1) / 12.0), pvalue


def _line_gap(x: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """At each t, the gap between lines least-squares fitted to x[t-w:t] and x[t:t+w]."""
    n = len(x)
    idx = np.arange(n, dtype=float)
    s1, s2, y0, y1 = (np.concatenate([[0.0], np.cumsum(v)]) for v in (idx, idx * idx, x, idx * x))

    def fitted_at(lo: np.ndarray, hi: np.ndarray, where: np.ndarray) -> np.ndarray:
        sx, sxx, sy, sxy = s1[hi] - s1[lo], s2[hi] - s2[lo], y0[hi] - y0[lo], y1[hi] - y1[lo]
        slope = (w * sxy - sx * sy) / (w * sxx - sx * sx)
        return (sy - slope * sx) / w + slope * where

    t = np.arange(w, n - w + 1)
    return t, fitted_at(t, t + w, t - 0.5) - fitted_at(t - w, t, t - 0.5)


def _line_gap_z(x: np.ndarray, sigma: float) -> np.ndarray:
    """Line gap in units of its own spread: the larger of theory (sigma * sqrt(8/w)) and the
    series' own typical gap, so a smooth curve, whose every gap is alike, finds no step.

    Indexed by point; infinite where no full window fits on both sides."""
    z = np.full(len(x) + 1, np.inf)
    if len(x) < 2 * TREND_WINDOW + 1:
        return z
    t, gap = _line_gap(x, TREND_WINDOW)
    sd = max(sigma * np.sqrt(8.0 / TREND_WINDOW), spread(gap))
    z[t] = np.abs(gap) / sd
    return z


def _scan_candidates(x: np.ndarray, sigma: float) -> list[int]:
    w = TREND_WINDOW
    if len(x) < 2 * w + 1:
        return []
    medians = np.median(sliding_window_view(x, w), axis=1)  # medians[i] = median of x[i:i+w]
    t = np.arange(w, len(x) - w + 1)
    median_gap = medians[t] - medians[t - w]
    _, line_gap = _line_gap(x, w)
    zm = median_gap / max(MEDIAN_SD * sigma * np.sqrt(2.0 / w), spread(median_gap))
    zl = line_gap / max(sigma * np.sqrt(8.0 / w), spread(line_gap))
    strength = np.where((np.abs(zl) >= SCAN_TREND_Z) & (np.sign(zm) == np.sign(zl)), np.abs(zm), 0.0)
    chosen: list[int] = []
    for i in np.argsort(-strength):
        if strength[i] < SCAN_Z:
            break
        if all(abs(int(t[i]) - c) >= w for c in chosen):
            chosen.append(int(t[i]))
    return chosen


def _add_scan_candidates(x: np.ndarray, sigma: float, found: list[int]) -> list[int]:
    for candidate in _scan_candidates(x, sigma):
        if any(abs(candidate - c) < TREND_WINDOW for c in found):
            continue
        trial = sorted([*found, candidate])
        i = trial.index(candidate)
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(trial)]
        neighbours_hold = all(_separates(x, trial, j, sigma, NEIGHBOUR_ALPHA, NEIGHBOUR_EFFECT) for j in neighbours)
        if _separates(x, trial, i, sigma, SCAN_ALPHA, MIN_EFFECT) and neighbours_hold:
            found = trial
    return found


def _confirm_tail(x: np.ndarray, sigma: float, found: list[int]) -> list[int]:
    """A shift in the newest points, which the window scan cannot see yet and Pettitt's test
    is too weak for so near the end: once MIN_SEGMENT points hold the new level, compare them
    with the points just before (not the whole segment, which a drift would make differ)."""
    start = found[-1] if found else 0
    best: tuple[float, int] | None = None
    for tail in range(MIN_SEGMENT, 2 * TREND_WINDOW + 1):
        c = len(x) - tail
        left, right = x[max(start, c - 2 * TREND_WINDOW) : c], x[c:]
        if len(left) < MIN_SEGMENT or c - start < MIN_SEGMENT:
            break
        shift = abs(float(median(right) - median(left))) / sigma
        if shift < MIN_EFFECT or not (_local_jump(x, c, sigma) and _steplike(x, c)):
            continue
        pvalue = mann_whitney_p(left, right)
        if pvalue < SCAN_ALPHA and (best is None or pvalue < best[0]):
            best = (pvalue, c)
    if best is None or any(abs(best[1] - c) < TREND_WINDOW for c in found):
        return found
    return [*found, best[1]]


def _segments(x: np.ndarray, cps: list[int], i: int) -> tuple[np.ndarray, np.ndarray]:
    a = cps[i - 1] if i > 0 else 0
    b = cps[i + 1] if i + 1 < len(cps) else len(x)
    return x[a : cps[i]], x[cps[i] : b]


def _separates(x: np.ndarray, cps: list[int], i: int, sigma: float, alpha: float, effect: float) -> bool:
    left, right = _segments(x, cps, i)
    if min(len(left), len(right)) < 3:
        return False
    shift = abs(median(right) - median(left)) / sigma
    return shift >= effect and mann_whitney_p(left, right) < alpha


def _describe(x: np.ndarray, cps: list[int], i: int) -> ChangePoint:
    left, right = _segments(x, cps, i)
    before, after = float(median(left)), float(median(right))
    confidence = 1.0 - mann_whitney_p(left, right)
    change = after / before - 1 if before else float("inf") if after else 0.0
    return ChangePoint(cps[i], before, after, change, confidence)
