"""Series: one (machine, scenario, params, metric) along the first-parent history of main.

Several runs of one commit pool their raw samples into one point. Machines never
mix. An environment change (CPU, kernel, governor, perfpages version) starts a new
environment segment: noise is learned only within a segment, so the change is a
known discontinuity rather than an alarm.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from generator.analysis.comparison import SeriesInput
from generator.analysis.noise import NOISE_HISTORY
from generator.model import Direction, MeasureKind, MeasurementTable, Params, RunRecord, scenario_label

ENVIRONMENT_FIELDS = ("cpu_model", "kernel", "governor")


@dataclass(frozen=True)
class SeriesKey:
    machine: str
    scenario: str
    params: Params
    metric: str

    @property
    def label(self) -> str:
        return scenario_label(self.scenario, self.params)


@dataclass(frozen=True, slots=True)
class Point:
    commit: str
    samples: tuple[float, ...]
    environment: str
    value: float  # the median of the samples: what the series plots and tests
    spread: tuple[float, float] | None = None  # an imported point's interval, when the source kept no samples


@dataclass(frozen=True)
class Series:
    key: SeriesKey
    unit: str
    direction: Direction
    points: tuple[Point, ...]

    @cached_property
    def positions(self) -> dict[str, int]:
        return {p.commit: i for i, p in enumerate(self.points)}

    @cached_property
    def values(self) -> tuple[float, ...]:
        return tuple(p.value for p in self.points)

    @cached_property
    def segment_starts(self) -> tuple[int, ...]:
        """For each point, where its environment segment starts."""
        starts, start = [], 0
        for i, p in enumerate(self.points):
            if i and p.environment != self.points[i - 1].environment:
                start = i
            starts.append(start)
        return tuple(starts)

    def history_until(self, commit: str, limit: int | None = None) -> tuple[float, ...]:
        """Point values up to and including ``commit``, within that commit's environment
        (only the newest ``limit`` of them when given)."""
        index = self.positions.get(commit)
        if index is None:
            return ()
        start = self.segment_starts[index]
        if limit is not None:
            start = max(start, index + 1 - limit)
        return self.values[start : index + 1]


def pool(into: dict, key, samples: tuple[float, ...]) -> None:
    """Pool samples under key; one run's tuple is kept as it is (no copy), later runs extend it."""
    into[key] = into[key] + samples if key in into else samples


def environment_of(record: RunRecord) -> str:
    fp = record.fingerprint
    parts = [str(fp.get(field)) for field in ENVIRONMENT_FIELDS]
    return " | ".join([*parts, f"perfpages {record.tool_version}"])


class _Keys:
    """One SeriesKey object per (machine, kind): a history repeats each millions of times."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, MeasureKind], SeriesKey] = {}

    def __call__(self, machine: str, kind: MeasureKind) -> SeriesKey:
        key = self._keys.get((machine, kind))
        if key is None:
            key = self._keys[(machine, kind)] = SeriesKey(machine, kind.scenario, kind.params, kind.metric)
        return key


def build_series(runs: Iterable[RunRecord], main_order: list[str]) -> list[Series]:
    """Series along ``main_order`` (full SHAs, oldest first) from the runs of single commits."""
    position = {sha: i for i, sha in enumerate(main_order)}
    samples: dict[SeriesKey, dict[str, tuple[float, ...]]] = defaultdict(dict)
    # One environment per (machine, commit): every series of a run shares its run's environment.
    environment: dict[tuple[str, str], str] = {}
    meta: dict[SeriesKey, tuple[str, Direction]] = {}
    spreads: dict[tuple[SeriesKey, str], tuple[float, float]] = {}
    series_key = _Keys()
    for record in sorted(runs, key=lambda r: r.started_at):
        if record.kind != "commit":  # A/B runs are judged as comparisons, not as main history
            continue
        if record.head.sha in position:
            environment[(record.machine, record.head.sha)] = environment_of(record)
        table = MeasurementTable.of(record.measurements)
        for row, (kind, commit, values) in enumerate(zip(table.kinds, table.commits, table.samples(), strict=True)):
            if commit not in position:
                continue
            key = series_key(record.machine, kind)
            spread = table.extras.get(row, (None, None))[1]
            if spread is not None:
                spreads[(key, commit)] = (spread.low, spread.high)
            pool(samples[key], commit, values)
            meta[key] = (kind.unit, kind.direction)
    series = []
    for key, by_commit in sorted(samples.items(), key=lambda item: _sort_key(item[0])):
        ordered = sorted(by_commit.items(), key=lambda item: position[item[0]])
        medians = _medians([values for _, values in ordered])
        points = tuple(
            Point(
                sha,
                values,
                environment[(key.machine, sha)],
                median,
                # Several runs pooled give samples of their own: a single run's interval no longer speaks.
                spreads.get((key, sha)) if len(values) == 1 else None,
            )
            for (sha, values), median in zip(ordered, medians, strict=True)
        )
        series.append(Series(key, *meta[key], points))
    return series


def _medians(samples: list[tuple[float, ...]]) -> list[float]:
    """The median of each tuple, as statistics.median gives it, computed for all tuples of one
    length at once: a long history has millions of points."""
    out: list[float] = [0.0] * len(samples)
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, values in enumerate(samples):
        by_length[len(values)].append(i)
    for length, rows in by_length.items():
        block = np.sort(np.array([samples[i] for i in rows], dtype=float).reshape(len(rows), length), axis=1)
        middle = block[:, length // 2] if length % 2 else (block[:, length // 2 - 1] + block[:, length // 2]) / 2
        for i, median in zip(rows, middle.tolist(), strict=True):
            out[i] = median
    return out


def _sort_key(key: SeriesKey) -> tuple:
    return (key.machine, key.scenario, key.params, key.metric)


@dataclass(frozen=True)
class SampleIndex:
    """Raw samples of every run, indexed once so that many comparisons stay cheap.

    ``ab`` holds interleaved A/B runs by (base, head); ``pooled`` holds runs of single
    commits by commit. Both map a series key to its samples.
    """

    ab: dict[tuple[str, str], dict[tuple[SeriesKey, str], tuple[float, ...]]]
    pooled: dict[str, dict[SeriesKey, tuple[float, ...]]]
    meta: dict[SeriesKey, tuple[str, Direction]]

    @classmethod
    def of(
        cls, runs: Iterable[RunRecord], commits: set[str] | None = None, pairs: set[tuple[str, str]] | None = None
    ) -> SampleIndex:
        """Index every run, or only the runs of ``commits`` and the A/B runs of ``pairs`` when given."""
        ab: dict = defaultdict(dict)
        pooled: dict = defaultdict(dict)
        meta: dict[SeriesKey, tuple[str, Direction]] = {}
        series_key = _Keys()
        for record in runs:
            pair = (record.base.sha, record.head.sha) if record.base is not None else None
            if (pair and pairs is not None and pair not in pairs) or (
                not pair and commits is not None and record.head.sha not in commits
            ):
                continue
            table = MeasurementTable.of(record.measurements)
            for kind, commit, values in zip(table.kinds, table.commits, table.samples(), strict=True):
                key = series_key(record.machine, kind)
                meta.setdefault(key, (kind.unit, kind.direction))
                if pair:
                    pool(ab[pair], (key, commit), values)
                else:
                    pool(pooled[commit], key, values)
        return cls(dict(ab), dict(pooled), meta)

    def sides(self, base: str, head: str) -> dict[tuple[SeriesKey, str], tuple[float, ...]]:
        """Samples of both commits: from an A/B run of exactly (base, head) when there is one."""
        ab = self.ab.get((base, head), {})
        sides = {k: v for k, v in ab.items()}
        ab_keys = {key for key, _ in ab}
        for commit in (base, head):
            for key, samples in self.pooled.get(commit, {}).items():
                if key not in ab_keys:
                    sides[(key, commit)] = samples
        return sides


def comparison_inputs(
    series: list[Series], index: SampleIndex, base: str, head: str, machine: str | None = None
) -> list[SeriesInput]:
    """What `compare` needs for each series: history up to the base and both sides' samples.

    An interleaved A/B run of exactly (base, head) is preferred: both sides were measured
    together, so machine drift cancels. Otherwise each side pools its commit runs.
    """
    sides = index.sides(base, head)
    by_key = {s.key: s for s in series}
    inputs = []
    for key in sorted({key for key, _ in sides}, key=_sort_key):
        if machine is not None and key.machine != machine:
            continue
        unit, direction = index.meta[key]
        # The newest NOISE_HISTORY points are all a comparison learns from (the fence uses fewer).
        history = by_key[key].history_until(base, NOISE_HISTORY) if key in by_key else ()
        inputs.append(
            SeriesInput(
                key.scenario,
                key.params,
                key.metric,
                key.machine,
                unit,
                direction,
                history,
                tuple(sides.get((key, base), ())),
                tuple(sides.get((key, head), ())),
            )
        )
    return inputs
