"""`perfpages check`: validate every results file and count what they hold."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from perfpages.errors import ResultsError
from perfpages.model import MeasureKind, MeasurementTable, RunRecord, scenario_label
from perfpages.results.schema import Problem
from perfpages.results.staging import leftovers
from perfpages.results.store import LoadedRun, load_all

if TYPE_CHECKING:
    from perfpages.results.cache import RunCache


@dataclass(frozen=True)
class CheckReport:
    runs: int
    series: int  # distinct (machine, scenario, params, metric)
    points: int  # distinct (series, commit) pairs: several runs of one commit pool into one point
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def left_out(self) -> int:
        """Files not counted in runs, series and points: each has an error among the problems."""
        return len({p.path for p in self.problems if p.severity == "error"})

    def to_json(self) -> dict:
        return {
            "runs": self.runs,
            "series": self.series,
            "points": self.points,
            "left_out": self.left_out,
            "problems": [p.to_json() for p in self.problems],
        }


def check_results(root: Path) -> CheckReport:
    if not root.is_dir():
        return CheckReport(0, 0, 0, (_missing(root),))
    runs, problems = load_all(root)
    problems.extend(leftover_problems(root))
    series, points = _count(runs)
    return CheckReport(len(runs), series, points, (*problems, *unit_changes(runs)))


def leftover_problems(root: Path) -> list[Problem]:
    """What a killed run left, and other stray files: `record` would otherwise commit them."""
    return [Problem(str(leftover.path), "(file)", leftover.why) for leftover in leftovers(root)]


def load_valid_runs(root: Path) -> list[RunRecord]:
    """Every run under root, read once; raises ResultsError listing all problems if any file is bad."""
    return [r.record for r in load_valid_files(root)]


def load_valid_files(root: Path, cache: RunCache | None = None, workers: int = 1) -> list[LoadedRun]:
    """Like load_valid_runs, with the path of each file (its profiles folder sits beside it).
    A series whose files disagree on its unit is an error too: its values cannot be compared."""
    if not root.is_dir():
        raise ResultsError([_missing(root)])
    runs, problems = load_all(root, cache, workers)
    problems = [*problems, *unit_changes(runs)]
    if any(p.severity == "error" for p in problems):
        raise ResultsError(problems)
    return runs


def _missing(root: Path) -> Problem:
    return Problem(str(root), "(folder)", "not found; run `perfpages run` first or pass --results DIR")


def _count(runs: list[LoadedRun]) -> tuple[int, int]:
    series, points = set(), set()
    for run in runs:
        for m in run.record.measurements:
            key = (run.record.machine, m.scenario, m.params, m.metric)
            series.add(key)
            points.add((key, m.commit))
    return len(series), len(points)


def unit_changes(runs: list[LoadedRun]) -> list[Problem]:
    """One problem per series (machine, scenario, params, metric) whose files give it more than one
    unit: 950 "us" and 1.02 "ms" compared as numbers read as a 99.9% improvement. Names the
    first file with the other unit and the file that set the series' unit."""
    first: dict[tuple, tuple[str, Path]] = {}  # series -> (unit, the file that first gave it)
    found: dict[tuple, Problem] = {}
    for run in sorted(runs, key=lambda r: str(r.path)):
        for kind in _kinds(run.record):
            key = (run.record.machine, kind.scenario, kind.params, kind.metric)
            unit, origin = first.setdefault(key, (kind.unit, run.path))
            if kind.unit != unit and key not in found:
                label = f"{scenario_label(kind.scenario, kind.params)} {kind.metric} ({run.record.machine})"
                found[key] = Problem(
                    str(run.path),
                    "results[].unit",
                    f"series {label} is in {kind.unit!r} here but in {unit!r} in {origin}; a series holds one "
                    "unit: convert one side (a fresh `perfpages import` stores canonical units) or rename the metric",
                )
    return list(found.values())


def _kinds(record: RunRecord):
    measurements = record.measurements
    if isinstance(measurements, MeasurementTable):
        return set(measurements.kinds)
    return {MeasureKind(m.scenario, m.params, m.metric, m.unit, m.direction) for m in measurements}
