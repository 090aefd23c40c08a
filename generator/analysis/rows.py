"""Row-wise helpers for blocks of equal-length windows (one row per series and base)."""

from __future__ import annotations

import numpy as np


def relative_change_rows(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive relative changes per row, and which are valid: a change from zero has no
    relative size (a count of false alarms can be 0), so it is marked invalid."""
    prev = windows[:, :-1]
    valid = prev != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(valid, np.diff(windows, axis=1) / np.where(valid, prev, 1.0), 0.0)
    return rel, valid


def masked_median(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Median of each row's masked-in values (NaN for an empty row), without a Python loop."""
    filled = np.where(mask, values, np.inf)
    ordered = np.sort(filled, axis=1)
    n = mask.sum(axis=1)
    lo = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(ordered, np.maximum(n // 2, 0)[:, None], axis=1)[:, 0]
    out = (lo + hi) / 2
    return np.where(n > 0, out, np.nan)
