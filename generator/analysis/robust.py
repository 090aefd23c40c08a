"""Robust scale estimates shared by the verdict and change-point code."""

from __future__ import annotations

import numpy as np

MAD_TO_SD = 1.4826  # makes the median absolute deviation estimate sigma for normal data


def spread(values: np.ndarray) -> float:
    """Median absolute deviation about the median, scaled to a standard deviation."""
    return float(MAD_TO_SD * np.median(np.abs(values - np.median(values))))


def noise_sigma(values: np.ndarray) -> float:
    """Point-to-point noise of a series, from its first differences.

    Differences cancel level shifts and slow trends, and the median ignores the few
    large differences a step or an outlier makes. Divided by sqrt(2) because a
    difference carries the noise of two points.
    """
    diffs = np.diff(values)
    sigma = MAD_TO_SD * float(np.median(np.abs(diffs))) / np.sqrt(2)
    if sigma == 0:  # quantised data (e.g. instruction counts): fall back to the standard deviation
        sigma = float(np.std(diffs)) / np.sqrt(2)
    return sigma if sigma > 0 else 1e-12
