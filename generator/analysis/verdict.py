"""Judge one series between a base and a head: the compatible fence rule, and ours.

Ours, in plain words:
1. Learn the run-to-run noise of the series from its history up to the base
   (winsorised sd of consecutive relative changes), only since the last environment
   change, and estimate the base *level* from the recent points of the base's
   segment rather than from one noisy point.
2. Turn the change into a p-value with a Student t whose degrees of freedom
   reflect how much history the noise estimate rests on.
3. Across all series of a comparison, control false alarms with Benjamini-Hochberg
   (comparison.py); a change must also clear the metric's floor, against the base
   level and against the base run itself.
4. Where both sides have raw samples, a Mann-Whitney test on them must agree.
5. A value at a level the series has already flipped between is unchanged.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.stats import mannwhitneyu, norm
from scipy.stats import t as student_t

from generator.analysis import changepoints
from generator.analysis.bimodal import Bimodal, find_bimodal
from generator.analysis.robust import relative_changes
from generator.model import Direction

NOISE_HISTORY = 60  # points the noise estimate may use
BASE_LEVEL_POINTS = 10  # recent points of the base's segment pooled into the base level
SCALE_EFFICIENCY = 0.42  # the winsorised sd is worth about this share of as many points as the plain sd
MIN_DF = 2.0
SAMPLE_ALPHA = 0.05  # the raw-sample test must agree at this level
MIN_SAMPLES = 3
WINSOR = 0.1  # share clipped at each end before taking the sd
_A = float(norm.isf(WINSOR))
# sd of a normal variable winsorised at +-_A, so that the estimate is unbiased for normal noise
WINSOR_CONSISTENCY = float(np.sqrt((2 * norm.cdf(_A) - 1) - 2 * _A * norm.pdf(_A) + 2 * _A**2 * WINSOR))


class Verdict(StrEnum):
    IMPROVED = "improved"
    REGRESSED = "regressed"
    UNCHANGED = "unchanged"
    NO_BASELINE = "no-baseline"


@dataclass(frozen=True)
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
    if len(x) < 3:
        return None
    bimodal = find_bimodal(x)
    rel = relative_changes(x)
    if len(rel) < 2:  # a series of zeros has no relative noise
        return None
    if bimodal is not None:  # noise inside the levels, not across them
        pairs = [(a, b) for a, b in itertools.pairwise(x) if a != 0]
        same = np.array([bimodal.level_of(a) == bimodal.level_of(b) for a, b in pairs])
        rel = rel[same] if same.sum() >= 2 else rel
    sigma = _scale(rel)
    level, points = _base_level(x, bimodal)
    return Noise(sigma, max(MIN_DF, SCALE_EFFICIENCY * len(rel)), len(x), level, points, bimodal)


def _scale(rel: np.ndarray) -> float:
    """sd of one point from consecutive relative changes: a winsorised standard deviation.

    Nearly as efficient as the plain sd on normal noise (so the t test keeps its degrees
    of freedom), yet one jump in the history cannot blow it up the way it would the sd."""
    lo, hi = np.quantile(rel, [WINSOR, 1 - WINSOR])
    clipped = np.clip(rel, lo, hi)
    sigma = float(np.sqrt(np.mean((clipped - clipped.mean()) ** 2))) / WINSOR_CONSISTENCY / np.sqrt(2)
    return sigma if sigma > 0 else float(np.std(rel)) / np.sqrt(2)


def _base_level(x: np.ndarray, bimodal: Bimodal | None) -> tuple[float, int]:
    """Median of the base's own level: the newest points after the last change point,
    confirmed or pending (a shift too recent to confirm must not leave a stale level)."""
    if bimodal is not None:
        return float(x[-1]), 1
    found = changepoints.detect(x)
    start = found[-1].index if found else 0
    recent_shift = changepoints.pending(x, found)
    if recent_shift is not None:
        start = recent_shift.index
    recent = x[max(start, len(x) - BASE_LEVEL_POINTS) :]
    return float(np.median(recent)), len(recent)


def history_pvalue(change: float, noise: Noise) -> float:
    sd = noise.sd_of_change()
    if sd <= 0:
        return 0.0 if change else 1.0
    return float(2 * student_t.sf(abs(change) / sd, noise.df))


def sample_pvalue(base_samples, head_samples) -> float | None:
    """Mann-Whitney p-value of the raw samples, or None when the test cannot reach SAMPLE_ALPHA.

    With n and m samples the smallest two-sided p-value is 2 / C(n + m, n): 0.1 for 3 against
    3, so a gate on so few samples would veto every change."""
    n, m = len(base_samples), len(head_samples)
    if min(n, m) < MIN_SAMPLES or 2 / math.comb(n + m, n) >= SAMPLE_ALPHA:
        return None
    if len(set(base_samples) | set(head_samples)) == 1:
        return 1.0
    return float(mannwhitneyu(base_samples, head_samples).pvalue)


def minimum_detectable_effect(noise: Noise | None, floor: float, per_test_alpha: float) -> float:
    """The smallest relative change this series can call significant at ``per_test_alpha``."""
    if noise is None:
        return float("nan")
    critical = float(student_t.isf(per_test_alpha / 2, noise.df))
    return max(floor, critical * noise.sd_of_change())


def direction_of(change: float, direction: Direction) -> Verdict:
    worse = change > 0 if direction is Direction.LOWER else change < 0
    return Verdict.REGRESSED if worse else Verdict.IMPROVED


def known_level(noise: Noise | None, head: float) -> bool:
    return noise is not None and noise.bimodal is not None and noise.bimodal.level_of(head) is not None
