"""Core data types: frozen, no I/O, no statistics.

Scenario definitions come from ``config``; measured runs are ``RunRecord``s that
``results.codec`` turns into the JSON results format and back.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from perfpages.errors import Location


class Direction(StrEnum):
    """Which way is better. Throughput and requests/s are ``HIGHER``."""

    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class BuiltinMetric:
    unit: str
    direction: Direction
    description: str


BUILTIN_METRICS: dict[str, BuiltinMetric] = {
    "wall_time": BuiltinMetric("s", Direction.LOWER, "elapsed seconds per repetition"),
    "cpu_time": BuiltinMetric("s", Direction.LOWER, "user + system seconds from the child's rusage"),
    "max_rss": BuiltinMetric("bytes", Direction.LOWER, "peak resident set size from the child's rusage"),
    "instructions": BuiltinMetric("instructions", Direction.LOWER, "CPU instructions counted by callgrind"),
}


@dataclass(frozen=True)
class MetricSpec:
    """One metric a scenario reports: a built-in, or a value read from the command's output."""

    name: str
    unit: str
    direction: Direction
    json_pointer: str | None = None
    regex: str | None = None
    file: str | None = None  # read this file (relative to the scenario's cwd) instead of stdout
    output: str | None = None  # a load generator's report this metric comes from: "wrk" or "k6"

    @property
    def builtin(self) -> bool:
        return self.json_pointer is None and self.regex is None and self.output is None


@dataclass(frozen=True)
class Command:
    """An argv list (run directly) or a shell string (run with /bin/sh -c)."""

    argv: tuple[str, ...] = ()
    shell: str | None = None

    def __str__(self) -> str:
        return self.shell if self.shell is not None else " ".join(self.argv)


Params = tuple[tuple[str, str], ...]


def instant(stamp: str) -> float:
    """An ISO 8601 time as seconds since the epoch: the one way times are compared, since as text
    ``12:00+09:00`` sorts after ``20:00-08:00`` of the evening before, which is an hour later.
    A time without an offset is taken as UTC. Raises ValueError for text that is not a time."""
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def scenario_label(name: str, params: Params) -> str:
    """The display name of a scenario: ``name`` or ``name[k=v,k=v]``."""
    if not params:
        return name
    return f"{name}[{','.join(f'{k}={v}' for k, v in params)}]"


@dataclass(frozen=True)
class Server:
    """A local server a load-generating scenario starts before each repetition and stops after it."""

    command: Command
    port: int  # ready once 127.0.0.1:port accepts a connection
    ready_timeout: float = 10.0


@dataclass(frozen=True)
class Variants:
    """How the site compares a scenario's matrix entries at one commit."""

    axis: str  # the dimension whose values are compared, one colour each
    x: str | None = None  # the dimension along the x axis of the main charts
    reference: str | None = None  # the axis value ratios are taken against


@dataclass(frozen=True)
class Scenario:
    """A fully expanded scenario: one entry of a parameter matrix."""

    name: str
    command: Command
    metrics: tuple[MetricSpec, ...]
    params: Params = ()
    setup: Command | None = None
    cwd: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    timeout: float = 600.0
    warmup: int = 1
    repetitions: int = 5
    tags: tuple[str, ...] = ()
    server: Server | None = None
    output_file: str | None = None  # where the tool writes its report (k6's summary, a JSON file), else stdout
    # An import format (pytest-benchmark, criterion, ...) whose report the command writes: each
    # benchmark in it becomes a series of its own, named `<scenario>/<benchmark>`.
    report_format: str | None = None
    variants: Variants | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return scenario_label(self.name, self.params)

    @property
    def timed_metrics(self) -> tuple[MetricSpec, ...]:
        """Metrics taken from the timed repetitions (everything but instructions)."""
        return tuple(m for m in self.metrics if m.name != "instructions")

    @property
    def counts_instructions(self) -> bool:
        return any(m.name == "instructions" for m in self.metrics)


@dataclass(frozen=True)
class ProjectSettings:
    name: str = "project"
    repository: str | None = None
    main_branch: str = "main"
    machine: str | None = None
    # Relative floors below which no change is called significant (rustc-perf style).
    floors: tuple[tuple[str, float], ...] = (("instructions", 0.002), ("wall_time", 0.01), ("max_rss", 0.001))
    keep_profiles: str = "comparisons"  # "always", "comparisons" or "never"


@dataclass(frozen=True)
class Config:
    project: ProjectSettings
    scenarios: tuple[Scenario, ...]
    path: str


@dataclass(frozen=True)
class CommitInfo:
    """The commit a measurement belongs to. ``sha`` is always the full 40-hex SHA."""

    sha: str
    subject: str = ""
    author: str = ""
    author_date: str = ""  # ISO 8601 with offset
    committer_date: str = ""
    parents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Spread:
    """What an imported source kept instead of raw samples: an interval around its value."""

    kind: str  # "ci99", "ci95", "stddev" (value ± sd), "range" (value ± r) or "iqr"
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Measurement:
    """Raw samples of one metric of one scenario on one commit."""

    scenario: str
    metric: str
    unit: str
    direction: Direction
    commit: str
    samples: tuple[float, ...]
    params: Params = ()
    profiles: tuple[str, ...] = ()  # file names inside the <sha12>-<run-id>.profiles/ folder beside the results file
    spread: Spread | None = None


@dataclass(frozen=True)
class MeasureKind:
    """What a result measures apart from its commit and samples. A project's runs share a few
    hundred of these, so a loaded history keeps one object per kind, not one per result."""

    scenario: str
    params: Params
    metric: str
    unit: str
    direction: Direction


class MeasurementTable(Sequence[Measurement]):
    """A run's measurements by column: kinds, commits and all samples in one array of doubles,
    plus the rare profiles and spreads.

    A long history holds millions of results; a Measurement object and a tuple of samples for
    each would be most of the time and memory a build spends loading it. The build reads these
    columns directly; any other reader iterates and gets Measurement objects as from a tuple.
    """

    __slots__ = ("commits", "ends", "extras", "flat", "kinds")

    def __init__(
        self,
        kinds: tuple[MeasureKind, ...],
        commits: tuple[str, ...],
        flat: array,
        ends: array,
        extras: dict[int, tuple[tuple[str, ...], Spread | None]] | None = None,
    ) -> None:
        self.kinds, self.commits = kinds, commits
        self.flat, self.ends = flat, ends  # row i's samples are flat[ends[i-1]:ends[i]]
        self.extras = extras or {}  # row -> (profile file names, spread), for the rows that have either

    @classmethod
    def of(cls, measurements: Sequence[Measurement]) -> MeasurementTable:
        if isinstance(measurements, MeasurementTable):
            return measurements
        ms = tuple(measurements)
        flat, ends = array("d"), array("q")
        for m in ms:
            flat.extend(m.samples)
            ends.append(len(flat))
        return cls(
            tuple(MeasureKind(m.scenario, m.params, m.metric, m.unit, m.direction) for m in ms),
            tuple(m.commit for m in ms),
            flat,
            ends,
            {i: (m.profiles, m.spread) for i, m in enumerate(ms) if m.profiles or m.spread is not None},
        )

    def samples(self) -> list[tuple[float, ...]]:
        """Each row's samples as a tuple, made on demand (only what a reader keeps stays in memory)."""
        values, out, start = self.flat.tolist(), [], 0
        for end in self.ends:
            out.append(tuple(values[start:end]))
            start = end
        return out

    def __len__(self) -> int:
        return len(self.kinds)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        index = index + len(self) if index < 0 else index
        k = self.kinds[index]
        profiles, spread = self.extras.get(index, ((), None))
        start = self.ends[index - 1] if index else 0
        return Measurement(
            k.scenario,
            k.metric,
            k.unit,
            k.direction,
            self.commits[index],
            tuple(self.flat[start : self.ends[index]]),
            k.params,
            profiles,
            spread,
        )

    def __iter__(self) -> Iterator[Measurement]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"MeasurementTable({len(self)} results)"

    def __reduce__(self):
        return (MeasurementTable, (self.kinds, self.commits, self.flat, self.ends, self.extras))


@dataclass(frozen=True)
class Failure:
    """A scenario that crashed, exited non-zero, timed out or produced no metric."""

    scenario: str
    commit: str
    phase: str  # "setup", "measure" or "instructions"
    reason: str
    params: Params = ()
    stderr_tail: str = ""


@dataclass(frozen=True)
class RunRecord:
    """Everything one ``perfpages run`` measured: the content of one results file."""

    run_id: str
    machine: str
    head: CommitInfo
    started_at: str
    finished_at: str
    tool_version: str
    fingerprint: dict
    measurements: Sequence[Measurement]  # a tuple, or a MeasurementTable when loaded from files
    failures: tuple[Failure, ...] = ()
    base: CommitInfo | None = None  # set for an interleaved A/B comparison
    branch: str | None = None
    pull_request: int | None = None
    ci_url: str | None = None

    @property
    def kind(self) -> str:
        return "comparison" if self.base is not None else "commit"
