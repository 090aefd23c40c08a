"""A benchmark tool's report as a scenario's output, read by the importers' own parsers.

A scenario with ``output: {format: pytest-benchmark, file: .perfpages-output/bench.json}`` runs the
tool's suite; each benchmark in the report becomes a series of its own, named
``<scenario>/<benchmark>`` with the importer's parameters after the scenario's own. A benchmark the
tool reports as failed becomes a failure record of that run, and its samples from every repetition
are dropped: never samples. A report that cannot be read fails the whole scenario.

Reports left from an earlier run must never pass for this one's: a report file is removed before
each measured repetition, and from a folder (asv, criterion) only what the repetition wrote is read.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from perfpages.importers import FORMATS
from perfpages.importers.base import Failed, Point, Problem, SourceRun
from perfpages.model import Direction, Failure, Measurement, Params, Scenario
from perfpages.units import canonical

HISTORY_FORMATS = ("asv", "github-action-benchmark")  # reports that keep every commit measured so far
PROBLEMS_SHOWN = 3
# Coarse kernel clocks stamp a file written just after a repetition started up to a tick early.
MTIME_SLACK = 0.05


@dataclass(frozen=True)
class Reading:
    """One repetition's report: its points and the benchmarks the tool says failed, or why none
    of it can be read (then the scenario's run is a failure)."""

    points: tuple[Point, ...] = ()
    failed: tuple[Failed, ...] = ()
    error: str = ""


def prepare(scenario: Scenario, cwd: Path) -> float:
    """Before a measured repetition: remove the report an earlier run left, make its folder (pytest-
    benchmark opens its --benchmark-json file before it runs), and return when the repetition starts."""
    if scenario.report_format and scenario.output_file:
        path = cwd / scenario.output_file
        if path.is_file() or path.is_symlink():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
    return time.time()


def read_report(scenario: Scenario, stdout: str, cwd: Path, commit: str, since: float) -> Reading:
    """The report one repetition wrote (to ``output_file``, or else to stdout)."""
    fmt = str(scenario.report_format)
    where = scenario.output_file or "stdout"
    with tempfile.TemporaryDirectory(prefix="perfpages-report-") as scratch:
        inputs = _inputs(scenario, stdout, cwd, since, Path(scratch))
        if isinstance(inputs, str):
            return Reading(error=f"{fmt} report {where}: {inputs}")
        items = list(FORMATS[fmt](inputs))
    # In a folder (asv's), files this repetition did not write are earlier runs': neither their
    # problems nor their results are this run's.
    problems = [i for i in items if isinstance(i, Problem) and _written_since(i.file, since)]
    if problems:
        return Reading(error=f"{fmt} report {where}: {_problems(problems, cwd, Path(scratch))}")
    runs = [i for i in items if isinstance(i, SourceRun) and _written_since(i.origin, since)]
    if fmt in HISTORY_FORMATS:
        runs = [r for r in runs if r.commit is not None and r.commit.sha == commit]
        if not runs:
            return Reading(error=f"{fmt} report {where}: nothing for commit {commit[:12]}; {_history_hint(fmt)}")
    points = tuple(_named(scenario, p) for r in runs for p in r.points)
    failed = tuple(_named_failure(scenario, f, where) for r in runs for f in r.failures)
    if not points and not failed:
        return Reading(error=f"{fmt} report {where}: it holds no benchmark")
    return Reading(points, failed)


def _inputs(scenario: Scenario, stdout: str, cwd: Path, since: float, scratch: Path) -> list[Path] | str:
    """The paths to give the importer, or why there are none."""
    if scenario.output_file is None:
        captured = scratch / "stdout.txt"  # go's reader takes *.txt; the others take any file named
        captured.write_text(stdout, encoding="utf-8")
        return [captured]
    path = cwd / scenario.output_file
    if not path.exists():
        return "the command did not write it; check the path is where the tool writes its report"
    if not path.is_dir():
        return [path]
    if scenario.report_format == "criterion":
        fresh = [p for p in sorted(path.rglob("new/estimates.json")) if p.stat().st_mtime >= since - MTIME_SLACK]
        return fresh or "the command wrote no new/estimates.json under it (criterion's target/criterion folder)"
    if scenario.report_format == "asv":
        return [path]
    return "a folder; give the file the tool writes its report to"


def _written_since(origin: str, since: float) -> bool:
    """False for a file that was there before the repetition started; True for anything else (an
    origin that is a place in a file, or none)."""
    path = Path(origin)
    return not path.is_file() or path.stat().st_mtime >= since - MTIME_SLACK


def _problems(problems: list[Problem], cwd: Path, scratch: Path) -> str:
    def place(p: Problem) -> str:
        file = p.file.replace(f"{scratch}/", "").replace(f"{cwd}/", "")
        return f"{file}: {p.place}: {p.message}"

    shown = "; ".join(place(p) for p in problems[:PROBLEMS_SHOWN])
    more = len(problems) - PROBLEMS_SHOWN
    return shown + (f" (and {more} more problems)" if more > 0 else "")


def _history_hint(fmt: str) -> str:
    if fmt == "asv":
        return "run asv with --set-commit-hash=$PERFPAGES_COMMIT (asv keeps --quick runs nowhere)"
    return "the report must hold a run whose commit.id is $PERFPAGES_COMMIT"


def _params(scenario: Scenario, params: Params) -> Params:
    """The scenario's matrix parameters and the benchmark's own, sorted as in every results file; a
    benchmark parameter named like a matrix dimension keeps both values apart as ``benchmark.<name>``."""
    own = {k for k, _ in scenario.params}
    return tuple(sorted((*scenario.params, *((f"benchmark.{k}" if k in own else k, v) for k, v in params))))


def _named(scenario: Scenario, point: Point) -> Point:
    """The point as a series of this scenario, in the shared unit layer's canonical unit."""
    target = canonical(point.unit)
    samples = tuple(v * target.factor for v in point.samples) if target.factor != 1 else point.samples
    spread = point.spread
    if spread is not None and target.factor != 1:
        spread = type(spread)(spread.kind, spread.low * target.factor, spread.high * target.factor)
    return Point(
        f"{scenario.name}/{point.scenario}",
        point.metric,
        target.unit,
        point.direction,
        samples,
        _params(scenario, point.params),
        spread,
    )


def _named_failure(scenario: Scenario, failed: Failed, where: str) -> Failed:
    reason = f"{scenario.report_format} report {where}: {failed.reason}"
    return Failed(f"{scenario.name}/{failed.scenario}", reason, _params(scenario, failed.params))


@dataclass(frozen=True)
class _Key:
    scenario: str
    params: Params
    metric: str


@dataclass
class Gathered:
    """A scenario's reported series over its repetitions on one side; mutable while measuring."""

    samples: dict[_Key, list[float]] = field(default_factory=dict)
    kinds: dict[_Key, tuple[str, Direction]] = field(default_factory=dict)  # unit and direction
    failed: dict[tuple[str, Params], str] = field(default_factory=dict)  # benchmark -> the first reason

    def add(self, reading: Reading, repetition: int) -> None:
        for failed in reading.failed:
            self.failed.setdefault((failed.scenario, failed.params), f"{failed.reason} (repetition {repetition + 1})")
        for point in reading.points:
            key = _Key(point.scenario, point.params, point.metric)
            kind = self.kinds.setdefault(key, (point.unit, point.direction))
            if kind != (point.unit, point.direction):  # a series has one unit: never pool two
                was = f"{kind[0]}, {kind[1].value}-is-better"
                now = f"{point.unit}, {point.direction.value}-is-better"
                reason = f"metric {point.metric}: the report changed its unit from {was} to {now}"
                self.failed.setdefault((point.scenario, point.params), f"{reason} (repetition {repetition + 1})")
            self.samples.setdefault(key, []).extend(point.samples)

    def measurements(self, commit: str) -> Iterator[Measurement]:
        for key, samples in self.samples.items():
            if (key.scenario, key.params) in self.failed:
                continue  # a failed benchmark's other repetitions are suspect too
            unit, direction = self.kinds[key]
            yield Measurement(key.scenario, key.metric, unit, direction, commit, tuple(samples), key.params)

    def failures(self, commit: str, stderr_tail: str) -> Iterator[Failure]:
        for (scenario, params), reason in self.failed.items():
            yield Failure(scenario, commit, "measure", reason, params, stderr_tail)
