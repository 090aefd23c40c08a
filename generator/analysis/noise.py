"""What a series' own history says about its noise, learned for many bases at once.

A comparison needs, for each series, the noise and the base level learned from the
history up to its base. A site with 400 series and 2,000 commits needs that for
hundreds of thousands of (series, base) pairs, so every step here works on a block
of equal-length windows, one row per (series, base); ``learn_noise`` on a single
history is the one-row case of the same code.

In plain words, for each window ending at a base:
1. sigma: the winsorised sd of consecutive relative changes (clipped at the 10th and
   90th percentiles), divided by sqrt(2) because a change carries two points' noise;
   a series that flips between two known levels uses only changes within a level;
2. the base level: the median of the newest BASE_LEVEL_POINTS points, or of the points
   since a level shift among them (a shift too recent to confirm must not leave a
   stale level behind); a bimodal series uses the base point itself.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from perfpages.analysis.bimodal import Bimodal, find_bimodal_rows
from perfpages.analysis.changepoints import MEDIAN_SD
from perfpages.analysis.robust import MAD_TO_SD
from perfpages.analysis.rows import masked_median, relative_change_rows

NOISE_HISTORY = 60  # points the noise estimate may use
BASE_LEVEL_POINTS = 10  # recent points of the base's segment pooled into the base level
SCALE_EFFICIENCY = 0.42  # the winsorised sd is worth about this share of as many points as the plain sd
MIN_DF = 2.0
WINSOR = 0.1  # share clipped at each end before taking the sd
_A = float(-ndtri(WINSOR))  # the normal quantile clipped at; scipy.stats costs 0.7 s to import
_PDF_A = float(np.exp(-(_A**2) / 2.0) / np.sqrt(2 * np.pi))
# sd of a normal variable winsorised at +-_A, so that the estimate is unbiased for normal noise
WINSOR_CONSISTENCY = float(np.sqrt((2 * ndtr(_A) - 1) - 2 * _A * _PDF_A + 2 * _A**2 * WINSOR))
OUTLIER_Z = 3.0  # 2-4 newest points all this many sigmas off the level: a shift, not noise
SHIFT_Z = 4.0  # 5+ newest points whose median moved this many sds of a median gap
MIN_BEFORE = 5  # points the level before a shift needs


@dataclass(frozen=True, slots=True)
class Noise:
    """What the history says about a series' noise, frozen into each comparison."""

    sigma: float  # relative sd of one point
    df: float
    history_points: int
    base_level: float
    base_points: int
    bimodal: Bimodal | None

    def sd_of_change(self) -> float:
        return self.sigma * float(np.sqrt(1.0 + 1.0 / self.base_points))


def learn_noise(history) -> Noise | None:
    """Noise of the series whose last value is the base; None with fewer than 3 points."""
    x = np.asarray(history, dtype=float)[-NOISE_HISTORY:]
    return learn_noise_rows(x[None, :])[0]


def learn_noise_rows(windows: np.ndarray) -> list[Noise | None]:
    """``learn_noise`` for every row of a block of equal-length windows (newest point last)."""
    rows, length = windows.shape
    if length < 3 or rows == 0:
        return [None] * rows
    bimodal = find_bimodal_rows(windows)
    rel, valid = relative_change_rows(windows)
    valid = _within_levels(windows, valid, bimodal)
    sigma, used = _winsorised_scale_rows(rel, valid)
    level, points = _base_level_rows(windows, bimodal)
    return [
        None
        if used[r] < 2
        else Noise(
            float(sigma[r]),
            max(MIN_DF, SCALE_EFFICIENCY * int(used[r])),
            length,
            float(level[r]),
            int(points[r]),
            bimodal[r],
        )
        for r in range(rows)
    ]


def _within_levels(windows: np.ndarray, valid: np.ndarray, bimodal: list[Bimodal | None]) -> np.ndarray:
    """For a bimodal series, keep only changes between two points of the same level (if 2+)."""
    out = valid.copy()
    for r, b in enumerate(bimodal):
        if b is None:
            continue
        levels = [b.level_of(v) for v in windows[r]]
        same = np.array([a == c for a, c in itertools.pairwise(levels)]) & valid[r]
        if same.sum() >= 2:
            out[r] = same
    return out


def _winsorised_scale_rows(rel: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the winsorised sd of the valid relative changes, and how many there were.

    Nearly as efficient as the plain sd on normal noise (so the t test keeps its degrees
    of freedom), yet one jump in the history cannot blow it up the way it would the sd."""
    used = valid.sum(axis=1)
    sigma = np.zeros(len(rel))
    full = used == rel.shape[1]
    if full.any():
        sigma[full] = _winsorised_sd(rel[full])
    for r in np.flatnonzero(~full & (used >= 2)):  # rows with gaps (zeros, bimodal) are rare
        sigma[r] = _winsorised_sd(rel[r, valid[r]][None, :])[0]
    return sigma, used


def _winsorised_sd(rel: np.ndarray) -> np.ndarray:
    lo, hi = np.quantile(rel, [WINSOR, 1 - WINSOR], axis=1)
    clipped = np.clip(rel, lo[:, None], hi[:, None])
    sd = np.sqrt(np.mean((clipped - clipped.mean(axis=1, keepdims=True)) ** 2, axis=1))
    sigma = sd / WINSOR_CONSISTENCY / np.sqrt(2)
    plain = np.std(rel, axis=1) / np.sqrt(2)
    return np.where(sigma > 0, sigma, plain)


def _base_level_rows(windows: np.ndarray, bimodal: list[Bimodal | None]) -> tuple[np.ndarray, np.ndarray]:
    """Median of each row's newest level: since its newest shift, at most BASE_LEVEL_POINTS points."""
    rows, length = windows.shape
    start = np.full(rows, max(0, length - BASE_LEVEL_POINTS))
    best = np.zeros(rows)
    scale = _point_sigma_rows(windows)
    for tail in range(2, BASE_LEVEL_POINTS):
        before_len = length - tail  # everything older: a precise centre, so noise rarely looks like a shift
        if before_len < MIN_BEFORE:
            break
        before = np.median(windows[:, :before_len], axis=1)
        after = windows[:, length - tail :]
        if tail < MIN_BEFORE:  # a few points: all of them must sit far off the old level
            off = (after - before[:, None]) / scale[:, None]
            z = np.where(
                np.all(off >= OUTLIER_Z, axis=1) | np.all(off <= -OUTLIER_Z, axis=1), np.abs(off).min(axis=1), 0
            )
            z = z / OUTLIER_Z * SHIFT_Z
        else:  # enough points for their median to speak
            gap = np.abs(np.median(after, axis=1) - before)
            z = gap / (MEDIAN_SD * scale * np.sqrt(1 / tail + 1 / before_len))
        better = (z >= SHIFT_Z) & (z > best)
        start = np.where(better, length - tail, start)
        best = np.where(better, z, best)
    mask = np.arange(length)[None, :] >= start[:, None]
    level = masked_median(windows, mask)
    points = length - start
    for r, b in enumerate(bimodal):
        if b is not None:  # the base point says which of the two known levels we are on
            level[r], points[r] = windows[r, -1], 1
    return level, points


def _point_sigma_rows(windows: np.ndarray) -> np.ndarray:
    """Absolute noise of one point per row, from first differences (robust to steps and trends)."""
    diffs = np.diff(windows, axis=1)
    sigma = MAD_TO_SD * np.median(np.abs(diffs), axis=1) / np.sqrt(2)
    fallback = np.std(diffs, axis=1) / np.sqrt(2)  # quantised data, e.g. instruction counts
    sigma = np.where(sigma > 0, sigma, fallback)
    return np.where(sigma > 0, sigma, 1e-12)
