"""Series: one (machine, scenario, params, metric) along the first-parent history of main.

Several runs of one commit pool their raw samples into one point. Machines never
mix. An environment change (CPU, kernel, governor, perfpages version) starts a new
environment segment: noise is learned only within a segment, so the change is a
known discontinuity rather than an alarm.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from perfpages.analysis.comparison import SeriesInput
from perfpages.analysis.environment import environment_of
from perfpages.analysis.noise import NOISE_HISTORY
from perfpages.model import Direction, MeasureKind, MeasurementTable, Params, RunRecord, instant, scenario_label


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
class Segment:
    """Points measured in one environment: from ``start`` to the next segment's start."""

    start: int
    environment: str


@dataclass(frozen=True, eq=False)
class Series:
    """One series as columns, a row per point: a long history has about a million points, and
    an object for each would be most of what a build spends. ``point(i)`` makes one on demand."""

    key: SeriesKey
    unit: str
    direction: Direction
    commits: tuple[str, ...]
    medians: np.ndarray  # the value of each point
    low: np.ndarray  # the band each point's samples span (an imported point's interval)
    high: np.ndarray
    sample_values: np.ndarray  # point i's samples are sample_values[sample_ends[i - 1]:sample_ends[i]]
    sample_ends: np.ndarray
    segments: tuple[Segment, ...]  # environment segments, oldest first; the first starts at 0
    spreads: Mapping[int, tuple[float, float]]  # point index -> interval, for single-sample imported points
    superseded: int = 0  # runs set aside because a later run of the same commit disagreed with them

    def __len__(self) -> int:
        return len(self.commits)

    def point(self, i: int) -> Point:
        i = i + len(self) if i < 0 else i
        start = int(self.sample_ends[i - 1]) if i else 0
        samples = tuple(self.sample_values[start : int(self.sample_ends[i])].tolist())
        environment = self.segment_of(i).environment
        return Point(self.commits[i], samples, environment, self.values[i], self.spreads.get(i))

    def segment_of(self, i: int) -> Segment:
        """The environment segment point ``i`` belongs to."""
        return self.segments[bisect_right(self.segment_starts, i) - 1]

    @cached_property
    def points(self) -> tuple[Point, ...]:
        """Every point as an object: for the few readers of a whole series' samples."""
        return tuple(self.point(i) for i in range(len(self)))

    @cached_property
    def segment_starts(self) -> list[int]:
        """Where each environment segment starts."""
        return [g.start for g in self.segments]

    @cached_property
    def positions(self) -> dict[str, int]:
        return dict(zip(self.commits, range(len(self.commits)), strict=True))

    @cached_property
    def values(self) -> tuple[float, ...]:
        return tuple(self.medians.tolist())

    def history_until(self, commit: str, limit: int | None = None) -> tuple[float, ...]:
        """Point values up to and including ``commit``, from the points measured in that commit's
        environment (only the newest ``limit`` of them when given).

        A runner that flips between CPU types comes back to an environment it knew: its earlier
        points there say what its noise is, so they count, though other points came between."""
        index = self.positions.get(commit)
        if index is None:
            return ()
        chosen = self._same_environment(index)
        if limit is not None:
            chosen = chosen[-limit:]
        return tuple(self.medians[chosen].tolist())

    def _same_environment(self, index: int) -> np.ndarray:
        """Indices of the points up to ``index`` measured in point ``index``'s environment."""
        environment = self.segment_of(index).environment
        bounds = [*self.segment_starts, len(self)]
        ranges = [
            np.arange(g.start, min(stop, index + 1))
            for g, stop in zip(self.segments, bounds[1:], strict=True)
            if g.environment == environment and g.start <= index
        ]
        return np.concatenate(ranges)

    def nearest_measured(self, commit: str, main_position: Mapping[str, int]) -> str | None:
        """``commit`` when it is a point of the series, else the newest point before it on main
        (``main_position``: commit -> position on main), or None when neither exists."""
        if commit in self.positions:
            return commit
        at = main_position.get(commit)
        if at is None or not len(self):
            return None
        # Rare (a base whose push run was skipped), so the positions are not kept.
        measured = np.fromiter(map(main_position.__getitem__, self.commits), np.int64, len(self))
        before = int(np.searchsorted(measured, at, side="right")) - 1
        return self.commits[before] if before >= 0 else None


def pool(into: dict, key, samples: tuple[float, ...]) -> None:
    """Pool samples under key; one run's tuple is kept as it is (no copy), later runs extend it."""
    into[key] = into[key] + samples if key in into else samples


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
    """Series along ``main_order`` (full SHAs, oldest first) from the runs of single commits.

    Runs of one commit are taken in the order they started (as instants): the newest run's
    samples stand, and an earlier run's are pooled with them only when they agree (see
    ``agreeing``), so a re-run corrects a run that hit a machine hiccup."""
    rows = _Rows(main_order)
    for record in sorted(runs, key=lambda r: instant(r.started_at)):
        if record.kind == "commit":  # A/B runs are judged as comparisons, not as main history
            rows.add(record)
    return rows.series()


def extend_series(series: list[Series], later: list[Series]) -> list[Series]:
    """``series`` with the points of ``later`` appended, as build_series would make them from both
    sets of runs, when every point of ``later`` comes after all of ``series`` on main and its runs
    started after theirs (the caller checks): then no point pools runs of both."""
    by_key = {s.key: s for s in series}
    for s in later:
        by_key[s.key] = _appended(by_key[s.key], s) if s.key in by_key else s
    return sorted(by_key.values(), key=lambda s: _sort_key(s.key))


def _appended(first: Series, then: Series) -> Series:
    n = len(first)
    moved = [Segment(g.start + n, g.environment) for g in then.segments]
    if moved[0].environment == first.segments[-1].environment:
        moved = moved[1:]  # the same environment goes on
    return Series(
        first.key,
        then.unit,  # unit and direction come from the newest row, as in build_series
        then.direction,
        first.commits + then.commits,
        np.concatenate([first.medians, then.medians]),
        np.concatenate([first.low, then.low]),
        np.concatenate([first.high, then.high]),
        np.concatenate([first.sample_values, then.sample_values]),
        np.concatenate([first.sample_ends, then.sample_ends + first.sample_ends[-1]]),
        (*first.segments, *moved),
        {**first.spreads, **{i + n: spread for i, spread in then.spreads.items()}},
        first.superseded + then.superseded,
    )


class _Rows:
    """Every result row of the main history as arrays, then grouped into series by numpy."""

    def __init__(self, main_order: list[str]) -> None:
        self.main_order = main_order
        self.position = {sha: i for i, sha in enumerate(main_order)}
        # One environment per (machine, commit): every series of a run shares its run's environment.
        self.environment: dict[tuple[str, str], str] = {}
        self.environment_ids: dict[str, tuple[list[str], np.ndarray]] = {}  # see _environments
        self.kind_rows: dict[str, dict[int, int]] = defaultdict(dict)  # machine -> id(kind) -> kind row
        self.kinds: list[tuple[MeasureKind, int]] = []  # kind row -> (kind, its series' index)
        self.series_of_key: dict[SeriesKey, int] = {}
        self.keys: list[SeriesKey] = []
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.spreads: dict[int, dict[int, tuple[float, float]]] = defaultdict(dict)  # series -> position -> interval
        self.series_key = _Keys()

    def add(self, record: RunRecord) -> None:
        machine, table = record.machine, MeasurementTable.of(record.measurements)
        if record.head.sha in self.position:
            self.environment[(machine, record.head.sha)] = environment_of(record)
        # Kinds are shared objects (codec interns them), so a kind's id stands for it: hashing the
        # dataclass for each of a million rows would cost more. self.kinds keeps every kind seen
        # alive, so no id is reused for another while this builds.
        known = self.kind_rows[machine]
        kinds = list(map(known.get, map(id, table.kinds)))  # map, not a comprehension: 800k rows
        if None in kinds:
            kinds = [self._kind_row(machine, k) if r is None else r for k, r in zip(table.kinds, kinds, strict=True)]
        at = list(map(self.position.get, table.commits, itertools.repeat(-1, len(table.commits))))
        ends = np.frombuffer(table.ends, dtype=np.int64) if len(table.ends) else np.zeros(0, np.int64)
        samples = np.frombuffer(table.flat, dtype=float) if len(table.flat) else np.zeros(0)
        self.parts.append((np.array(kinds, dtype=np.int64), np.array(at, dtype=np.int64), ends, samples))
        for row, (_, spread) in table.extras.items():
            if spread is not None and at[row] >= 0:
                self.spreads[self.kinds[kinds[row]][1]][at[row]] = (spread.low, spread.high)

    def _kind_row(self, machine: str, kind: MeasureKind) -> int:
        key = self.series_key(machine, kind)
        index = self.series_of_key.setdefault(key, len(self.keys))
        if index == len(self.keys):
            self.keys.append(key)
        self.kinds.append((kind, index))
        self.kind_rows[machine][id(kind)] = len(self.kinds) - 1
        return len(self.kinds) - 1

    def series(self) -> list[Series]:
        if not self.parts:
            return []
        kind_row, at, lengths, starts, samples = self._stacked()
        keep = at >= 0  # rows of commits that are not on main
        if not keep.any():
            return []
        kind_row, at, lengths, starts = kind_row[keep], at[keep], lengths[keep], starts[keep]
        index = np.array([k[1] for k in self.kinds], dtype=np.int64)[kind_row]
        meta = self._meta(index, kind_row)
        # Stable: rows of one (series, commit) stay in the order their runs started, so pooling keeps it.
        order = np.lexsort((at, index))
        index, at, lengths, starts = index[order], at[order], lengths[order], starts[order]
        superseded = _superseded_rows(index, at, lengths, starts, samples)
        dropped = np.bincount(index[superseded], minlength=len(self.keys))
        kept = ~superseded
        index, at, lengths, starts = index[kept], at[kept], lengths[kept], starts[kept]
        first_row = np.concatenate([[True], (index[1:] != index[:-1]) | (at[1:] != at[:-1])])
        row_ends = np.cumsum(lengths)
        gathered = samples[np.repeat(starts - (row_ends - lengths), lengths) + np.arange(int(row_ends[-1]))]
        group_rows = np.flatnonzero(first_row)
        ends = row_ends[np.concatenate([group_rows[1:] - 1, [len(index) - 1]])]
        group_series, group_at = index[group_rows], at[group_rows]
        medians, low, high = _summaries(gathered, ends)
        columns = _Columns(gathered, ends, medians, low, high)
        bounds = np.flatnonzero(np.concatenate([[True], group_series[1:] != group_series[:-1], [True]]))
        out = [
            self._one(int(group_series[a]), meta, group_at[a:b], columns, a, b, int(dropped[group_series[a]]))
            for a, b in itertools.pairwise(bounds.tolist())
        ]
        return sorted(out, key=lambda s: _sort_key(s.key))

    def _stacked(self):
        kind_row = np.concatenate([p[0] for p in self.parts])
        at = np.concatenate([p[1] for p in self.parts])
        samples = np.concatenate([p[3] for p in self.parts])
        offsets = np.cumsum([0] + [len(p[3]) for p in self.parts[:-1]])
        ends = np.concatenate([p[2] + offset for p, offset in zip(self.parts, offsets, strict=True)])
        starts = np.concatenate([[0], ends[:-1]])
        return kind_row, at, ends - starts, starts, samples

    def _meta(self, index: np.ndarray, kind_row: np.ndarray) -> dict[int, MeasureKind]:
        """Unit and direction of each series come from its newest row's kind."""
        last = len(index) - 1 - np.unique(index[::-1], return_index=True)[1]
        return {int(index[i]): self.kinds[int(kind_row[i])][0] for i in last}

    def _segments(self, machine: str, at: np.ndarray) -> tuple[Segment, ...]:
        """Environment segments of a series measured at positions ``at`` on ``machine``."""
        names, ids = self._environments(machine)
        mine = ids[at]
        starts = np.flatnonzero(np.concatenate([[True], mine[1:] != mine[:-1]])).tolist()
        return tuple(Segment(i, names[mine[i]]) for i in starts)

    def _environments(self, machine: str) -> tuple[list[str], np.ndarray]:
        """Each position on main as an environment number on ``machine`` (-1: not measured there),
        and the environments by number: a series then finds its segments with numpy."""
        if machine in self.environment_ids:
            return self.environment_ids[machine]
        names: list[str] = []
        number: dict[str, int] = {}
        ids = np.full(len(self.main_order), -1, dtype=np.int64)
        for (where, sha), env in self.environment.items():
            if where == machine:
                ids[self.position[sha]] = number.setdefault(env, len(names))
                if len(names) < len(number):
                    names.append(env)
        self.environment_ids[machine] = names, ids
        return names, ids

    def _one(
        self, series: int, meta: dict[int, MeasureKind], at, columns: _Columns, a: int, b: int, superseded: int
    ) -> Series:
        """Series number ``series``: groups (points) a to b of ``columns``."""
        key, kind = self.keys[series], meta[series]
        commits = tuple(map(self.main_order.__getitem__, at.tolist()))
        ends = columns.ends[a:b]
        first = int(columns.ends[a - 1]) if a else 0
        counts = np.diff(ends, prepend=first)
        low, high = columns.low[a:b], columns.high[a:b]
        # Several runs pooled give samples of their own: a single run's interval no longer speaks.
        intervals = self.spreads.get(series, {})
        spreads = (
            {i: intervals[p] for i, p in enumerate(at.tolist()) if p in intervals and counts[i] == 1}
            if intervals
            else {}
        )
        for i, (lo, hi) in spreads.items():
            low[i], high[i] = lo, hi
        return Series(
            key,
            kind.unit,
            kind.direction,
            commits,
            columns.medians[a:b],
            low,
            high,
            columns.samples[first : int(ends[-1])],
            ends - first,
            self._segments(key.machine, at),
            spreads,
            superseded,
        )


def _superseded_rows(
    index: np.ndarray, at: np.ndarray, lengths: np.ndarray, starts: np.ndarray, samples: np.ndarray
) -> np.ndarray:
    """Rows (sorted by series, then commit, then run start) that a later run of the same commit
    supersedes: those whose samples' range does not overlap the newest run's.

    A re-run is how a maintainer clears a run that hit a machine hiccup. Pooling the two would
    make a point at a value neither run measured; runs that agree still pool."""
    superseded = np.zeros(len(index), dtype=bool)
    repeated = np.flatnonzero((index[1:] == index[:-1]) & (at[1:] == at[:-1]))  # rows with a later run
    if not len(repeated):
        return superseded

    def run(row: int) -> np.ndarray:
        return samples[starts[row] : starts[row] + lengths[row]]

    newest = {}  # (series, commit) -> its newest row: the last of its rows
    for row in (repeated + 1).tolist():
        newest[(index[row], at[row])] = row
    for row in repeated.tolist():
        superseded[row] = _apart(run(row), run(newest[(index[row], at[row])]))
    return superseded


@dataclass(frozen=True)
class _Columns:
    """Every point of every series, grouped by series: pooled samples and their summaries."""

    samples: np.ndarray
    ends: np.ndarray
    medians: np.ndarray
    low: np.ndarray
    high: np.ndarray


def _summaries(samples: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, least and greatest of each point's samples (``ends`` as in Series), all at once.

    Medians are taken as statistics.median does, for all points with one sample count at a time."""
    starts = np.concatenate([[0], ends[:-1]])
    counts = ends - starts
    medians = np.empty(len(ends))
    for length in np.unique(counts).tolist():
        rows = np.flatnonzero(counts == length)
        block = np.sort(samples[starts[rows][:, None] + np.arange(length)], axis=1)
        middle = length // 2
        medians[rows] = block[:, middle] if length % 2 else (block[:, middle - 1] + block[:, middle]) / 2
    return medians, np.minimum.reduceat(samples, starts), np.maximum.reduceat(samples, starts)


def _sort_key(key: SeriesKey) -> tuple:
    return (key.machine, key.scenario, key.params, key.metric)


@dataclass(frozen=True)
class SampleIndex:
    """Raw samples of every run, indexed once so that many comparisons stay cheap.

    ``ab`` holds interleaved A/B runs by (base, head); ``pooled`` holds runs of single
    commits by commit (runs that disagree with a later re-run of their commit left out, as
    build_series does). Both map a series key to its samples. ``environments`` gives the
    environment of the newest single-commit run by (machine, commit).
    """

    ab: dict[tuple[str, str], dict[tuple[SeriesKey, str], tuple[float, ...]]]
    pooled: dict[str, dict[SeriesKey, tuple[float, ...]]]
    meta: dict[SeriesKey, tuple[str, Direction]]
    environments: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def of(
        cls, runs: Iterable[RunRecord], commits: set[str] | None = None, pairs: set[tuple[str, str]] | None = None
    ) -> SampleIndex:
        """Index every run, or only the runs of ``commits`` and the A/B runs of ``pairs`` when given."""
        sessions: dict = defaultdict(lambda: defaultdict(list))  # (base, head) -> key -> each run's sides
        separate: dict = defaultdict(lambda: defaultdict(list))  # commit -> key -> each run's samples
        meta: dict[SeriesKey, tuple[str, Direction]] = {}
        environments: dict[tuple[str, str], str] = {}
        series_key = _Keys()
        for record in sorted(runs, key=lambda r: instant(r.started_at)):  # as build_series: re-runs come last
            pair = (record.base.sha, record.head.sha) if record.base is not None else None
            if (pair and pairs is not None and pair not in pairs) or (
                not pair and commits is not None and record.head.sha not in commits
            ):
                continue
            if not pair:
                environments[(record.machine, record.head.sha)] = environment_of(record)
            table = MeasurementTable.of(record.measurements)
            sides: dict = defaultdict(dict)  # this A/B run's key -> commit -> samples
            for kind, commit, values in zip(table.kinds, table.commits, table.samples(), strict=True):
                key = series_key(record.machine, kind)
                meta.setdefault(key, (kind.unit, kind.direction))
                if pair:
                    pool(sides[key], commit, values)
                else:
                    separate[commit][key].append(values)
            for key, each in sides.items():
                sessions[pair][key].append(each)
        ab = {
            pair: {
                (key, commit): samples for key, each in by_key.items() for commit, samples in agreeing_ab(each).items()
            }
            for pair, by_key in sessions.items()
        }
        pooled = {commit: {key: agreeing(each) for key, each in by_key.items()} for commit, by_key in separate.items()}
        return cls(ab, pooled, meta, environments)

    def sides(self, base: str, head: str) -> dict[tuple[SeriesKey, str], tuple[float, ...]]:
        """Samples of both commits: the A/B runs of exactly (base, head) when there are any, else
        each commit's own runs. Only the A/B runs: other machines' runs of the base alone would be
        series "missing at head" of a run that never measured them."""
        ab = self.ab.get((base, head))
        if ab:
            return dict(ab)
        pooled = ((commit, self.pooled.get(commit, {})) for commit in (base, head))
        return {(key, commit): samples for commit, found in pooled for key, samples in found.items()}

    def separate_environments(self, key: SeriesKey, base: str, head: str) -> tuple[str, str]:
        """(base, head) environments when the two sides come from separate runs, else ("", ""):
        an A/B run measures both in one session, one environment."""
        if (key, base) in self.ab.get((base, head), {}):
            return ("", "")
        return (self.environments.get((key.machine, base), ""), self.environments.get((key.machine, head), ""))


def agreeing(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    """The samples of one commit's runs (oldest first) that a point pools: every run whose range
    overlaps the newest run's. A re-run corrects a run that hit a machine hiccup."""
    newest = runs[-1]
    return tuple(v for r in runs if not _apart(r, newest) for v in r)


def agreeing_ab(runs: list[dict[str, tuple[float, ...]]]) -> dict[str, tuple[float, ...]]:
    """Base and head samples of one pair's A/B runs (oldest first, each commit -> samples) that a
    comparison pools: every run whose sides both overlap the newest run's. A re-run that disagrees
    replaces the run before it, as on main; pooled, the two made a head value neither measured and
    a bimodal sample that hid the change."""
    newest = runs[-1]
    kept: dict[str, tuple[float, ...]] = {}
    for run in runs:
        if not any(_apart(run.get(commit, ()), samples) for commit, samples in newest.items()):
            for commit, samples in run.items():
                pool(kept, commit, samples)
    return kept


def _apart(run, newest) -> bool:
    """Whether every sample of ``run`` lies below or above all of ``newest``'s (no sample: never)."""
    return len(run) > 0 and len(newest) > 0 and (max(run) < min(newest) or min(run) > max(newest))


def comparison_inputs(
    series: list[Series],
    index: SampleIndex,
    base: str,
    head: str,
    machine: str | None = None,
    main_position: Mapping[str, int] | None = None,
) -> list[SeriesInput]:
    """What `compare` needs for each series: history up to the base and both sides' samples.

    An interleaved A/B run of exactly (base, head) is preferred: both sides were measured
    together, so machine drift cancels. Otherwise each side pools its commit runs, and each
    side's environment is passed on, since runs in different environments do not compare.

    When the base has no run of its own (its push run was skipped) but ``main_position``
    (commit -> position on main) places it on main, the history is the one up to its nearest
    measured ancestor, which the input names.
    """
    sides = index.sides(base, head)
    by_key = {s.key: s for s in series}
    inputs = []
    for key in sorted({key for key, _ in sides}, key=_sort_key):
        if machine is not None and key.machine != machine:
            continue
        unit, direction = index.meta[key]
        found = by_key.get(key)
        until = found.nearest_measured(base, main_position or {}) if found is not None else None
        # The newest NOISE_HISTORY points are all a comparison learns from (the fence uses fewer).
        history = found.history_until(until, NOISE_HISTORY) if until is not None else ()
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
                history_end="" if until in (None, base) else until,
                environments=index.separate_environments(key, base, head),
            )
        )
    return inputs
