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

import math
from enum import StrEnum

from scipy.special import stdtr, stdtrit

from perfpages.analysis.mannwhitney import mann_whitney_p
from perfpages.analysis.noise import Noise
from perfpages.model import Direction

SAMPLE_ALPHA = 0.05  # the raw-sample test must agree at this level
MIN_SAMPLES = 3


class Verdict(StrEnum):
    IMPROVED = "improved"
    REGRESSED = "regressed"
    UNCHANGED = "unchanged"
    NO_BASELINE = "no-baseline"


def history_pvalue(change: float, noise: Noise) -> float:
    sd = noise.sd_of_change()
    if sd <= 0:
        return 0.0 if change else 1.0
    return float(2 * stdtr(noise.df, -abs(change) / sd))  # the t distribution's two tails


def sample_pvalue(base_samples, head_samples) -> float | None:
    """Mann-Whitney p-value of the raw samples, or None when the test cannot reach SAMPLE_ALPHA.

    With n and m samples the smallest two-sided p-value is 2 / C(n + m, n): 0.1 for 3 against
    3, so a gate on so few samples would veto every change."""
    n, m = len(base_samples), len(head_samples)
    if min(n, m) < MIN_SAMPLES or 2 / math.comb(n + m, n) >= SAMPLE_ALPHA:
        return None
    if len(set(base_samples) | set(head_samples)) == 1:
        return 1.0
    return mann_whitney_p(base_samples, head_samples)


def minimum_detectable_effect(noise: Noise | None, floor: float, per_test_alpha: float) -> float:
    """The smallest relative change this series can call significant at ``per_test_alpha``."""
    if noise is None:
        return float("nan")
    critical = float(stdtrit(noise.df, 1 - per_test_alpha / 2))
    return max(floor, critical * noise.sd_of_change())


def direction_of(change: float, direction: Direction) -> Verdict:
    worse = change > 0 if direction is Direction.LOWER else change < 0
    return Verdict.REGRESSED if worse else Verdict.IMPROVED


def known_level(noise: Noise | None, head: float) -> bool:
    return noise is not None and noise.bimodal is not None and noise.bimodal.level_of(head) is not None
