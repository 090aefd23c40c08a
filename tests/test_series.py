"""build_series against a plain reference: pooling, environments, spreads, machines, commits off main."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

from perfpages.analysis.environment import environment_of
from perfpages.analysis.history import analyse_history
from perfpages.analysis.series import build_series, extend_series
from perfpages.analysis.steps import main_steps
from perfpages.model import Direction, Measurement, MeasurementTable, RunRecord, Spread
from tests.conftest import make_commit

SHAS = [f"{i:040x}" for i in range(1, 41)]
MAIN = SHAS[:30]  # the last ten commits are not on main


def random_runs(seed: int) -> list[RunRecord]:
    """Runs on two machines, some commits measured twice (pooled), a kernel change, imported
    single-sample points with an interval, mixed sample counts and rows for commits off main."""
    rng = np.random.default_rng(seed)
    runs = []
    for n in range(120):
        machine = str(rng.choice(["m1", "m2"]))
        sha = SHAS[int(rng.integers(0, len(SHAS)))]
        kernel = "6.1" if SHAS.index(sha) < 15 or machine == "m2" else "6.8"
        rows = []
        for scenario in ("parse", "serve"):
            count = int(rng.integers(1, 6))
            samples = tuple(float(v) for v in rng.normal(10, 1, count).round(3))
            spread = Spread("ci95", samples[0] - 0.5, samples[0] + 0.5) if count == 1 and rng.random() < 0.5 else None
            rows.append(Measurement(scenario, "wall_time", "s", Direction.LOWER, sha, samples, spread=spread))
        record = RunRecord(
            f"r{n}",
            machine,
            make_commit(sha=sha),
            f"2026-11-02T{n // 60:02d}:{n % 60:02d}:00Z",
            "2026-11-03T00:00:00Z",
            "0.3.0",
            {"cpu_model": "cpu", "kernel": kernel, "governor": "performance"},
            MeasurementTable.of(rows) if n % 2 else tuple(rows),
        )
        runs.append(record)
    return runs


def reference(runs: list[RunRecord]) -> dict:
    """(machine, scenario) -> [(commit, pooled samples, environment, median, spread)], oldest first."""
    pooled: dict = defaultdict(dict)
    spreads: dict = {}
    environment = {}
    for record in sorted(runs, key=lambda r: r.started_at):
        environment[(record.machine, record.head.sha)] = environment_of(record)
        for m in record.measurements:
            if m.commit in MAIN:
                key = (record.machine, m.scenario)
                pooled[key][m.commit] = [*pooled[key].get(m.commit, []), m.samples]
                if m.spread is not None:
                    spreads[(key, m.commit)] = (m.spread.low, m.spread.high)
    return {
        key: [
            (sha, s, environment[(key[0], sha)], statistics.median(s), spreads.get((key, sha)) if len(s) == 1 else None)
            for sha, s in (
                (sha, agreeing(runs)) for sha, runs in sorted(by_commit.items(), key=lambda i: MAIN.index(i[0]))
            )
        ]
        for key, by_commit in pooled.items()
    }


def agreeing(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    """The samples of one commit's runs (oldest first) that overlap the newest run's range, pooled."""
    low, high = min(runs[-1]), max(runs[-1])
    return tuple(v for r in runs if max(r) >= low and min(r) <= high for v in r)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columnar_series_agree_with_a_plain_reference(seed):
    runs = random_runs(seed)
    expected = reference(runs)
    series = build_series(runs, MAIN)
    assert {(s.key.machine, s.key.scenario) for s in series} == set(expected)
    assert [(s.key.machine, s.key.scenario) for s in series] == sorted(expected)
    for s in series:
        want = expected[(s.key.machine, s.key.scenario)]
        got = [(p.commit, p.samples, p.environment, p.value, p.spread) for p in s.points]
        assert got == want
        assert s.values == tuple(w[3] for w in want)
        assert list(s.low) == [w[4][0] if w[4] else min(w[1]) for w in want]
        assert list(s.high) == [w[4][1] if w[4] else max(w[1]) for w in want]
        # Environment segments: a new one wherever a point's environment differs from the one before.
        starts = [i for i, w in enumerate(want) if i == 0 or w[2] != want[i - 1][2]]
        assert [g.start for g in s.segments] == starts
    assert any(len(p.samples) > 5 for s in series for p in s.points)  # some points really pooled
    assert any(p.spread for s in series for p in s.points)
    assert any(len(s.segments) > 1 for s in series)


def _columns(s) -> tuple:
    return (
        s.key, s.unit, s.direction, s.commits, s.medians.tolist(), s.low.tolist(), s.high.tolist(),
        s.sample_values.tolist(), s.sample_ends.tolist(), s.segments, dict(s.spreads),
    )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_extending_series_with_later_runs_gives_the_series_of_all_runs(seed):
    """The build's series cache appends the series of new runs to the last build's."""
    runs = random_runs(seed)
    first = [r for r in runs if r.head.sha in MAIN[:20]]
    later = [  # started after every earlier run; on m2 in a new environment, on m1 in the same one
        replace(
            r,
            started_at=f"2026-11-04T{i // 60:02d}:{i % 60:02d}:00Z",
            fingerprint={**r.fingerprint, "kernel": "6.9"} if r.machine == "m2" else r.fingerprint,
        )
        for i, r in enumerate(r for r in runs if r.head.sha not in MAIN[:20])
    ]
    whole = build_series(first + later, MAIN)
    extended = extend_series(build_series(first, MAIN), build_series(later, MAIN))
    assert [_columns(s) for s in extended] == [_columns(s) for s in whole]
    # m1 changed kernel among the first runs and goes on in it; m2 changes kernel where later runs start.
    assert {s.key.machine: len(s.segments) for s in whole} == {"m1": 2, "m2": 2}


def test_steps_count_their_series_and_machines():
    runs = random_runs(4)
    series = build_series(runs, MAIN)
    histories = [analyse_history(s) for s in series]
    measured = [sha for sha in MAIN if any(sha in s.positions for s in series)]
    steps = main_steps(histories, measured)
    assert len(steps) == len(measured) - 1
    for i, step in enumerate(steps, start=1):
        # Every series with both commits as consecutive points, by the plain definition.
        pairs = [
            (h, s.positions[step.head])
            for h, s in ((h, h.series) for h in histories)
            if step.head in s.positions
            and s.positions[step.head] > 0
            and s.commits[s.positions[step.head] - 1] == measured[i - 1]
        ]
        assert step.series == len(pairs)
        assert step.machines == tuple(sorted({h.series.key.machine for h, _ in pairs}))
        plain = [(h, j) for h, j in pairs if all(c.history is not h for c in step.shifted)]
        assert step.unchanged == len(plain)
