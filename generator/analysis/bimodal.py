"""Series that flip between two known levels (code layout, runner CPU types).

A flip between levels already seen is not a regression, and the noise of such a
series is the spread within each level, not the distance between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perfpages.analysis.robust import MAD_TO_SD
from perfpages.analysis.rows import masked_median

MIN_SHARE = 0.15  # each level holds at least this share of the points
MIN_SEPARATION = 6.0  # gap between the levels, in within-level spreads
MIN_SWITCHES = 3  # levels must interleave in time; one switch is a step, not a flip
MIN_POINTS = 12
MODE_WIDTH = 4.0  # a value within this many within-level spreads belongs to the level


@dataclass(frozen=True, slots=True)
class Bimodal:
    low: float
    high: float
    within: float  # pooled spread inside the levels

    def level_of(self, value: float) -> float | None:
        for level in (self.low, self.high):
            if abs(value - level) <= MODE_WIDTH * self.within:
                return level
        return None


def find_bimodal(values) -> Bimodal | None:
    x = np.asarray(values, dtype=float)
    return find_bimodal_rows(x[None, :])[0]


def find_bimodal_rows(windows: np.ndarray) -> list[Bimodal | None]:
    """``find_bimodal`` for every row of a block of equal-length windows."""
    rows, n = windows.shape
    if n < MIN_POINTS:
        return [None] * rows
    cut = _best_cut_rows(np.sort(windows, axis=1))
    low_mask = windows < cut[:, None]
    low_n = low_mask.sum(axis=1)
    big_enough = np.minimum(low_n, n - low_n) >= MIN_SHARE * n
    low_median = masked_median(windows, low_mask)
    high_median = masked_median(windows, ~low_mask)
    within = np.sqrt((_spread(windows, low_mask, low_median) ** 2 + _spread(windows, ~low_mask, high_median) ** 2) / 2)
    within = np.where(within > 0, within, 1e-12)
    separated = (high_median - low_median) >= MIN_SEPARATION * within
    switches = np.count_nonzero(np.diff(low_mask.astype(int), axis=1), axis=1)
    found = big_enough & separated & (switches >= MIN_SWITCHES)
    return [
        Bimodal(float(low_median[r]), float(high_median[r]), float(within[r])) if found[r] else None
        for r in range(rows)
    ]


def _spread(values: np.ndarray, mask: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """MAD-based sd of each row's masked-in values (robust.spread, row-wise)."""
    return MAD_TO_SD * masked_median(np.abs(values - centre[:, None]), mask)


def _best_cut_rows(sorted_x: np.ndarray) -> np.ndarray:
    """Per row, the threshold minimising the within-group sum of squares (1-D two-means, exact)."""
    n = sorted_x.shape[1]
    csum, csum2 = np.cumsum(sorted_x, axis=1), np.cumsum(sorted_x**2, axis=1)
    k = np.arange(1, n)
    left = csum2[:, :-1] - csum[:, :-1] ** 2 / k
    right = (csum2[:, -1:] - csum2[:, :-1]) - (csum[:, -1:] - csum[:, :-1]) ** 2 / (n - k)
    i = np.argmin(left + right, axis=1)
    rows = np.arange(len(sorted_x))
    return (sorted_x[rows, i] + sorted_x[rows, i + 1]) / 2
