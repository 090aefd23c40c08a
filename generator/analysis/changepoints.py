"""Detect level shifts in one series.

In plain words:

1. **Scan at several scales.** At every point t, and for windows of w = 5 to 34
   points a side (cut short at the ends of the series, never below MIN_SEGMENT), take
   the gap between the median of the w points after t and the w points before it, in
   units of that gap's own noise. Medians make one outlier move nothing; cutting the
   windows at the ends makes a step after the fifth run as visible as one in the
   middle. A step shows at every scale; a slow drift only at wide ones, and the
   lines fitted on each side of a step are apart while those of a drift meet.
2. **Keep each candidate only while its own segments differ.** Candidates are taken
   strongest first. Then, until all pass, the weakest change whose neighbouring
   segments are shorter than MIN_SEGMENT, shift by less than MIN_EFFECT sigmas or
   fail a Mann-Whitney test is dropped. Testing each change against the segments
   between its neighbours (not the whole series) is what finds a regression that a
   later revert undid: both show.
3. **Place each change where it splits best**: within a few points, where the sum of
   absolute deviations from the two segments' medians is least, so the first bad
   commit is named exactly.

Noise sigma comes from first differences, so level shifts and trends do not inflate
it. A window median's noise is measured on the series itself, from consecutive
block medians, when the series is long enough: real benchmark noise is correlated
from run to run, and the theory for independent noise would then see steps in it.

A change needs MIN_SEGMENT points on each side, so the newest points can only ever be
a *pending* change, reported with how many more runs would confirm it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from perfpages.analysis.mannwhitney import mann_whitney_p
from perfpages.analysis.robust import MAD_TO_SD, median, noise_sigma

MIN_SEGMENT = 5  # points needed on each side of a confirmed change
MIN_EFFECT = 1.0  # median shift between neighbouring segments, in noise sigmas
SCALES = (5, 8, 13, 21, 34)  # window half-widths of the scan
SCAN_Z = 5.0  # window-median gap, in its own sd, that makes a candidate
STEP_RATIO = 0.5  # line gap / window-median gap a step needs (a drift has about 0)
TREND_Z = 2.0  # ... and the line gap in its own sd
TREND_WINDOW = 21  # most points a side for the fitted lines
CONFIRM_ALPHA = 2e-5  # Mann-Whitney p-value between a change's neighbouring segments (or wholly apart)
REFINE = 3  # points either side a change may move at least, to where it splits best
MIN_BLOCKS = 10  # block medians needed to measure a window median's noise on the series
MEDIAN_SD = 1.2533  # sd of a sample median, in sigmas times 1/sqrt(n), for normal data


@dataclass(frozen=True)
class ChangePoint:
    index: int  # first point of the new level
    before: float  # median of the segment before
    after: float  # median of the segment after
    change: float  # after / before - 1 (0.0 when before is 0: see absolute_change)
    confidence: float  # 1 - Mann-Whitney p-value between the two segments

    @property
    def absolute_change(self) -> float:
        """after - before: the only size a change from 0 has."""
        return self.after - self.before


@dataclass(frozen=True)
class PendingChange:
    """A shift in the newest points that is too recent to confirm."""

    index: int
    before: float
    after: float
    change: float
    runs_to_confirm: int


@dataclass(frozen=True)
class _Candidate:
    index: int
    strength: float  # window-median gap in its own sd, at the best scale
    scale: int  # the narrowest window half-width that saw it


def detect(values) -> tuple[ChangePoint, ...]:
    """Confirmed change points of a series, oldest first.

    ``values``: the point values, oldest first (any unit; a change is relative to the
    level before it). Returns ChangePoint objects indexed by the first point of each
    new level; a series shorter than 2 * MIN_SEGMENT has none.
    """
    x = np.asarray(values, dtype=float)
    if len(x) < 2 * MIN_SEGMENT:
        return ()
    sigma = noise_sigma(x)
    candidates = _scan(x, sigma)
    kept = _confirm(x, sigma, candidates)
    placed = _refine(x, kept)
    return tuple(_describe(x, placed, i) for i in range(len(placed)))


def pending(values, confirmed: tuple[ChangePoint, ...]) -> PendingChange | None:
    """A shift in the last MIN_SEGMENT - 1 points that all agree, or None.

    One odd point is an outlier, not a change: at least two newest points must sit
    beyond 3 * MIN_EFFECT sigmas on the same side of the current level.
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
            return PendingChange(len(x) - tail, centre, after, _relative(centre, after), MIN_SEGMENT - tail)
    return None


def _scan(x: np.ndarray, sigma: float) -> list[_Candidate]:
    """Every point whose window-median gap reaches SCAN_Z at some scale, and looks like a step."""
    n = len(x)
    best, scale = np.zeros(n + 1), np.zeros(n + 1, dtype=np.int64)
    for w in SCALES:
        if w > n - MIN_SEGMENT:
            break
        strength = _scale_strength(x, sigma, w)
        scale = np.where((scale == 0) & (strength >= SCAN_Z), w, scale)
        best = np.maximum(best, strength)
    order = np.argsort(-best, kind="stable")
    found: list[_Candidate] = []
    raw: list[_Candidate] = []
    for t in order[: int(np.sum(best >= SCAN_Z))].tolist():
        c = _Candidate(t, float(best[t]), int(scale[t]))
        # A window median shows a step from up to half a window away: those are the same step.
        if any(abs(t - r.index) <= r.scale // 2 for r in raw):
            continue
        raw.append(c)
        placed = _Candidate(_locate(x, c), c.strength, c.scale)
        if all(abs(placed.index - f.index) >= MIN_SEGMENT for f in found) and _steplike(
            x, placed.index, sigma, placed.scale
        ):
            found.append(placed)
    return found


def _locate(x: np.ndarray, c: _Candidate) -> int:
    """Where, within half a window of the scan's peak, the step splits the window's points best."""
    reach = max(REFINE, c.scale // 2)
    lo, hi = max(MIN_SEGMENT, c.index - reach), min(len(x) - MIN_SEGMENT, c.index + reach)
    return _best_split(x, lo, hi, max(0, lo - c.scale), min(len(x), hi + c.scale), c.index)


def _best_split(x: np.ndarray, lo: int, hi: int, start: int, stop: int, near: int) -> int:
    """The split in [lo, hi] of x[start:stop] with the least L1 cost (ties: the one nearest ``near``).
    The same points for every split tried, so a distant drift cannot pull it. Callers keep
    MIN_SEGMENT points on each side of [lo, hi] within [start, stop)."""
    points = x[start:stop]
    splits = np.arange(lo, hi + 1)
    left = np.arange(len(points))[None, :] < (splits - start)[:, None]  # one row per split tried
    cost = _l1_rows(np.where(left, points, np.nan)) + _l1_rows(np.where(left, np.nan, points))
    return int(splits[np.lexsort((np.abs(splits - near), cost))[0]])


def _l1_rows(rows: np.ndarray) -> np.ndarray:
    """Per row, the sum of absolute deviations from the row's median, NaNs left out (each row
    holds at least one number). np.nanmedian goes through masked arrays and is 10 times slower."""
    ordered = np.sort(rows, axis=1)  # NaNs last
    count = np.sum(~np.isnan(rows), axis=1)
    low = np.take_along_axis(ordered, ((count - 1) // 2)[:, None], axis=1)
    high = np.take_along_axis(ordered, (count // 2)[:, None], axis=1)
    return np.nansum(np.abs(rows - (low + high) / 2), axis=1)


def _scale_strength(x: np.ndarray, sigma: float, w: int) -> np.ndarray:
    """|median(x[t:t+w]) - median(x[t-w:t])| over its sd, for t = 0..n, windows cut at the ends."""
    n = len(x)
    full = np.median(sliding_window_view(x, w), axis=1)  # full[i] = median of x[i:i+w]
    t = np.arange(MIN_SEGMENT, n - MIN_SEGMENT + 1)
    left_n, right_n = np.minimum(w, t), np.minimum(w, n - t)
    left = np.where(left_n == w, full[np.maximum(t - w, 0)], 0.0)
    right = np.where(right_n == w, full[np.minimum(t, n - w)], 0.0)
    for k in np.flatnonzero((left_n < w) | (right_n < w)).tolist():  # only near the ends
        left[k] = left[k] if left_n[k] == w else median(x[: t[k]])
        right[k] = right[k] if right_n[k] == w else median(x[t[k] :])
    point_sd = MEDIAN_SD * sigma * _correlation_factor(x, sigma, w)
    strength = np.zeros(n + 1)
    strength[t] = np.abs(right - left) / (point_sd * np.sqrt(1 / left_n + 1 / right_n))
    return strength


def _correlation_factor(x: np.ndarray, sigma: float, w: int) -> float:
    """How much noisier a w-point median is on this series than independent noise predicts
    (at least 1). Measured from the differences of consecutive w-point block medians: a step
    moves only one of them, and the MAD ignores it."""
    blocks = len(x) // w
    if blocks < MIN_BLOCKS:
        return 1.0
    medians = np.median(x[: blocks * w].reshape(blocks, w), axis=1)
    observed = MAD_TO_SD * float(np.median(np.abs(np.diff(medians)))) / np.sqrt(2)
    return max(1.0, observed / (MEDIAN_SD * sigma / np.sqrt(w)))


def _steplike(x: np.ndarray, t: int, sigma: float, scale: int) -> bool:
    """A step moves the lines fitted on each side as far as the window medians; a drift moves
    only the medians. The lines span the narrowest scale that saw the step (a wider one could
    reach a neighbouring step), at most TREND_WINDOW. Fewer than 3 points fit no line: a step
    is assumed."""
    w = min(TREND_WINDOW, scale, t, len(x) - t)
    if w < 3:
        return True
    left, right = x[t - w : t], x[t : t + w]
    median_gap = median(right) - median(left)
    idx = np.arange(w, dtype=float)
    left_end = np.polyval(np.polyfit(idx, left, 1), w - 0.5)
    right_start = np.polyval(np.polyfit(idx, right, 1), -0.5)
    line_gap = float(right_start - left_end)
    # sd of a fitted line's value half a point past its end, for w independent points
    end_sd = sigma * np.sqrt(1 / w + ((w + 1) / 2) ** 2 / (w * (w * w - 1) / 12))
    agrees = median_gap * line_gap > 0 and abs(line_gap) >= STEP_RATIO * abs(median_gap)
    return agrees and abs(line_gap) >= TREND_Z * end_sd * np.sqrt(2)


def _confirm(x: np.ndarray, sigma: float, candidates: list[_Candidate]) -> list[_Candidate]:
    """Candidates whose neighbouring segments differ, after dropping the weakest failing one
    until every change passes."""
    kept = sorted(candidates, key=lambda c: c.index)
    while kept:
        # Placed between their current neighbours first: a step seen one point off would
        # leave a point of the other level in its segment and fail the test.
        cps = _refine(x, kept)
        kept = [_Candidate(at, c.strength, c.scale) for at, c in zip(cps, kept, strict=True)]
        failing = [i for i in range(len(kept)) if not _separates(x, cps, i, sigma)]
        if not failing:
            break
        del kept[min(failing, key=lambda i: kept[i].strength)]
    return kept


def _separates(x: np.ndarray, cps: list[int], i: int, sigma: float) -> bool:
    left, right = _segments(x, cps, i)
    if min(len(left), len(right)) < MIN_SEGMENT:
        return False
    shift = abs(median(right) - median(left)) / sigma
    if shift < MIN_EFFECT:
        return False
    # Segments wholly apart: nothing could say more clearly that the level moved, yet short ones
    # cannot reach CONFIRM_ALPHA (5 runs against 20: p = 3.8e-5; 10 against 10 under the normal
    # approximation: 1.6e-4), and a step with 9 to 12 runs on one side went unconfirmed.
    apart = min(left) > max(right) or max(left) < min(right)
    return apart or mann_whitney_p(left, right) < CONFIRM_ALPHA


def _refine(x: np.ndarray, kept: list[_Candidate]) -> list[int]:
    """Move each change (oldest first) to where the L1 cost of its two segments is least,
    within half its window and never closer than MIN_SEGMENT to its neighbours."""
    placed = [c.index for c in kept]
    for i, c in enumerate(kept):
        a = placed[i - 1] if i > 0 else 0
        b = placed[i + 1] if i + 1 < len(placed) else len(x)
        reach = max(REFINE, c.scale // 2)
        lo, hi = max(a + MIN_SEGMENT, c.index - reach), min(b - MIN_SEGMENT, c.index + reach)
        placed[i] = _best_split(x, lo, hi, max(a, lo - TREND_WINDOW), min(b, hi + TREND_WINDOW), c.index)
    return placed


def _segments(x: np.ndarray, cps: list[int], i: int) -> tuple[np.ndarray, np.ndarray]:
    a = cps[i - 1] if i > 0 else 0
    b = cps[i + 1] if i + 1 < len(cps) else len(x)
    return x[a : cps[i]], x[cps[i] : b]


def _relative(before: float, after: float) -> float:
    """after / before - 1; 0.0 from a level of 0, which has no relative size (no infinities:
    they are not JSON, and +inf% says nothing)."""
    return after / before - 1 if before else 0.0


def _describe(x: np.ndarray, cps: list[int], i: int) -> ChangePoint:
    left, right = _segments(x, cps, i)
    before, after = float(median(left)), float(median(right))
    confidence = 1.0 - mann_whitney_p(left, right)
    return ChangePoint(cps[i], before, after, _relative(before=before, after=after), confidence)
