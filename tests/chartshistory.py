"""sitehistory's project with two more machines, for the trend chart tests.

`bench-2` runs `parse` 1.5x slower and only at even commits (its line has gaps); `bench-3`
runs it 2x slower, with little noise and a +2.3% step at commit 30: on an axis shared with
the other machines that step would be a few pixels. `bench-2` also serves requests at about
bench-1's rate (one shared axis, with a legend), and `bench-3` runs `flaky`, which flips
between 1 ms and 3 ms: its threshold is far wider than its data.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from sitehistory import COMMITS, main_run, make_project

from perfpages.model import Direction, Measurement
from perfpages.results.store import write_run

SMALL_STEP_AT = 30
SMALL_STEP = 0.023
LEVELS = {"bench-2": 1.5, "bench-3": 2.0}


def _parse_level(machine: str, i: int) -> float:
    level = LEVELS[machine] * (1.2 if i >= 25 else 1.0)
    return level * (1 + SMALL_STEP) if machine == "bench-3" and i >= SMALL_STEP_AT else level


def _run(machine: str, i: int):
    rng = np.random.default_rng(1000 * len(machine) + i)
    record = main_run(i, rng)
    noise = 0.01 if machine == "bench-2" else 0.001
    samples = tuple(float(x) for x in _parse_level(machine, i) * (1 + noise * rng.standard_normal(5)))
    lower = Direction.LOWER
    measurements = [Measurement("parse", "wall_time", "s", lower, record.head.sha, samples)]
    if machine == "bench-2":
        rate = tuple(float(x) for x in 1010 * (1 + 0.01 * rng.standard_normal(5)))
        measurements.append(replace(record.measurements[1], samples=rate))
    else:
        flaky = (1e-3 if i % 2 else 3e-3) * (1 + 0.01 * rng.standard_normal(5))
        measurements.append(Measurement("flaky", "wall_time", "s", lower, record.head.sha, tuple(map(float, flaky))))
    return replace(record, machine=machine, run_id=f"{machine}-{i}", measurements=tuple(measurements))


def make_charts_project(root: Path) -> Path:
    make_project(root)
    for i in range(COMMITS):
        if i % 2 == 0:
            write_run(root / "results", _run("bench-2", i))
        write_run(root / "results", _run("bench-3", i))
    return root
