"""Series that flip between two known levels (code layout, runner CPU types).

A flip between levels already seen is not a regression, and the noise of such a
series is the spread within each level, not the distance between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.analysis.robust import spread

MIN_SHARE = 0.15  # each level holds at least this share of the points
MIN_SEPARATION = 6.0  # gap between the levels, in within-level spreads
MIN_SWITCHES = 3  # levels must interleave in time; one switch is a step, not a flip
MIN_POINTS = 12
MODE_WIDTH = 4.0  # a value within this many within-level spreads belongs to the level


@dataclass(frozen=True)
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
    if len(x) < MIN_POINTS:
        return None
    cut = _best_cut(np.sort(x))
    low_mask = x < cut
    low, high = x[low_mask], x[~low_mask]
    if min(len(low), len(high)) < MIN_SHARE * len(x):
        return None
    within = float(np.sqrt((spread(low) ** 2 + spread(high) ** 2) / 2)) or 1e-12
    separated = (np.median(high) - np.median(low)) >= MIN_SEPARATION * within
    switches = int(np.count_nonzero(np.diff(low_mask.astype(int))))
    if not separated or switches < MIN_SWITCHES:
        return None
    return Bimodal(float(np.median(low)), float(np.median(high)), within)


def _best_cut(sorted_x: np.ndarray) -> float:
    """The threshold minimising the within-group sum of squares (1-D two-means, exact)."""
    n = len(sorted_x)
    csum, csum2 = np.cumsum(sorted_x), np.cumsum(sorted_x**2)
    k = np.arange(1, n)
    left = csum2[:-1] - csum[:-1] ** 2 / k
    right = (csum2[-1] - csum2[:-1]) - (csum[-1] - csum[:-1]) ** 2 / (n - k)
    i = int(np.argmin(left + right))
    return float((sorted_x[i] + sorted_x[i + 1]) / 2)
