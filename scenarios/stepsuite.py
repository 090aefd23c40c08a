"""The injected-step suite: real benchmark noise with known steps, split by source.

Every real history in ../shared/benchmark-data with enough points gives noise: each
series (cut where the data records an environment change) has its own level shifts
removed by a centred rolling median, which favours no detector. From each, windows of
about SHORT points (series of MIN_SHORT to SHORT points are used whole) and of LONG
points are cut at random offsets. A quarter of the windows stay step-free; the rest
get 1-4 multiplicative steps of SIZES sigmas, random in sign and position, at least
EDGE points from either end and APART points from each other. Sigma is the window's
own robust (MAD) spread. A step up multiplies by 1 + k sigma, a step down divides by it.

The split by source was fixed before any score was seen, and is never changed after:
the sources sorted by name, alternately into the tuning half and the held-out half.
Detector parameters are tuned on the tuning half only; the held-out half is what is
reported.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import benchdata
import numpy as np

from perfpages.analysis.robust import spread

SHORT, LONG = 70, 400
MIN_SHORT = 44  # most of OpenBLAS's histories have 44 points; one step still has 14 places to go
EDGE, APART = 15, 30
SIZES = (3, 4, 6, 10)  # step sizes, in sigmas
STEP_FREE = 0.25  # share of windows with no step
MAX_STEPS = 4
SHORT_PER_SOURCE, LONG_PER_SOURCE = 40, 12  # so that large sources do not drown small ones
MIN_DISTINCT = 0.5  # share of distinct values a window needs (quantised counts carry no noise)
PLATEAU, PLATEAU_Z = 5, 4.0  # a real level shift the rolling median left: 5 runs in a row 4 spreads off
SEED = 2026

# Fixed before any score was seen: sorted source names, alternately tuning and held-out.
ORDERED = tuple(sorted(benchdata.SOURCES))
TUNING = ORDERED[0::2]
HELD_OUT = ORDERED[1::2]
HALVES = {"tuning": TUNING, "held-out": HELD_OUT}


@dataclass(frozen=True)
class Case:
    source: str
    name: str
    length: str  # "short" or "long"
    values: np.ndarray
    steps: tuple[int, ...]  # index of the first point of each new level
    sizes: tuple[int, ...]  # each step's size in sigmas


def suite(root: Path, sources: tuple[str, ...], seed: int = SEED) -> list[Case]:
    """The cases of ``sources``, the same for every detector and every run with one seed."""
    cases = []
    for source in sources:
        # A generator per source: adding or dropping one source leaves the others' cases alone.
        rng = np.random.default_rng([seed, zlib.crc32(source.encode())])
        cases += _source_cases(source, benchdata.real_series(root, source, MIN_SHORT), rng)
    return cases


def _source_cases(source: str, series: dict[str, np.ndarray], rng: np.random.Generator) -> list[Case]:
    names = sorted(series)
    rng.shuffle(names)
    counts = {"short": 0, "long": 0}
    wanted = {"short": SHORT_PER_SOURCE, "long": LONG_PER_SOURCE}
    cases = []
    for name in names:
        flat = benchdata.flatten(series[name])
        for length, size in (("short", min(SHORT, len(flat))), ("long", LONG)):
            if counts[length] >= wanted[length] or len(flat) < size:
                continue
            start = int(rng.integers(0, len(flat) - size + 1))
            window = flat[start : start + size]
            if _usable(window):
                cases.append(_inject(source, name, length, window, rng))
                counts[length] += 1
    return cases


def _usable(window: np.ndarray) -> bool:
    return spread(window) > 0 and len(np.unique(window)) >= MIN_DISTINCT * len(window) and not _residual_shift(window)


def _residual_shift(window: np.ndarray) -> bool:
    """A centred rolling median cannot remove a level that lasts fewer than half its width, nor
    one that starts within half a width of the series' end. Such a window is not noise: a step
    in it would be scored as a false alarm of every detector that sees it. The rule looks only
    at the window (PLATEAU runs in a row all PLATEAU_Z robust spreads off, on one side), never
    at any detector's output."""
    z = (window - np.median(window)) / spread(window)
    for side in (z > PLATEAU_Z, z < -PLATEAU_Z):
        run = np.convolve(side.astype(int), np.ones(PLATEAU, dtype=int), mode="valid")
        if np.any(run == PLATEAU):
            return True
    return False


def _inject(source: str, name: str, length: str, window: np.ndarray, rng: np.random.Generator) -> Case:
    sigma = spread(window) / abs(float(np.median(window)))
    steps = [] if rng.random() < STEP_FREE else _positions(len(window), rng)
    sizes = [int(rng.choice(SIZES)) for _ in steps]
    y = window.copy()
    for at, size in zip(steps, sizes, strict=True):
        factor = 1 + size * sigma
        y[at:] = y[at:] * factor if rng.random() < 0.5 else y[at:] / factor
    return Case(source, name, length, y, tuple(steps), tuple(sizes))


def _positions(n: int, rng: np.random.Generator) -> list[int]:
    room = 1 + (n - 2 * EDGE) // APART  # how many steps fit
    wanted = int(rng.integers(1, min(room, MAX_STEPS) + 1))
    chosen: list[int] = []
    for _ in range(200):  # bounded rejection sampling
        at = int(rng.integers(EDGE, n - EDGE + 1))
        if all(abs(at - c) >= APART for c in chosen):
            chosen.append(at)
        if len(chosen) == wanted:
            break
    return sorted(chosen)
