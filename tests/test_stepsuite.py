"""The injected-step suite's noise windows: a level shift the rolling median left is not noise."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scenarios"))
stepsuite = pytest.importorskip("stepsuite")


@pytest.mark.parametrize("seed", range(20))
def test_gaussian_and_heavy_tailed_noise_are_usable(seed):
    rng = np.random.default_rng(seed)
    assert stepsuite._usable(1 + 0.01 * rng.standard_normal(400))
    assert stepsuite._usable(1 + 0.01 * rng.standard_t(3, 70))


def test_a_short_plateau_or_a_shift_at_the_end_is_not_noise():
    rng = np.random.default_rng(1)
    window = 1 + 0.01 * rng.standard_normal(70)
    plateau = window.copy()
    plateau[30:39] *= 1.4  # 9 runs: shorter than half the rolling median's width
    end = window.copy()
    end[-6:] *= 3.2  # within half a width of the series' end
    lone = window.copy()
    lone[[10, 30, 50]] *= 1.5  # lone outliers are noise
    assert not stepsuite._usable(plateau) and not stepsuite._usable(end)
    assert stepsuite._usable(lone)
