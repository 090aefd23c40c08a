"""`perfpages check`: validate every results file and count what they hold."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import ResultsError
from generator.model import RunRecord
from generator.results.schema import Problem
from generator.results.staging import leftovers
from generator.results.store import LoadedRun, load_all

if TYPE_CHECKING:
    from generator.site.cache import RunCache


@dataclass(frozen=True)
class CheckReport:
    runs: int
    series: int  # distinct (machine, scenario, params, metric)
    points: int  # distinct (series, commit) pairs: several runs of one commit pool into one point
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def to_json(self) -> dict:
        return {
            "runs": self.runs,
            "series": self.series,
            "points": self.points,
            "problems": [p.to_json() for p in self.problems],
        }


def check_results(root: Path) -> CheckReport:
    if not root.is_dir():
        return CheckReport(0, 0, 0, (_missing(root),))
    runs, problems = load_all(root)
    problems.extend(leftover_problems(root))
    series, points = _count(runs)
    return CheckReport(len(runs), series, points, tuple(problems))


def leftover_problems(root: Path) -> list[Problem]:
    """What a killed run left, and other stray files: `record` would otherwise commit them."""
    return [Problem(str(leftover.path), "(file)", leftover.why) for leftover in leftovers(root)]


def load_valid_runs(root: Path) -> list[RunRecord]:
    """Every run under root, read once; raises ResultsError listing all problems if any file is bad."""
    return [r.record for r in load_valid_files(root)]


def load_valid_files(root: Path, cache: RunCache | None = None, workers: int = 1) -> list[LoadedRun]:
    """Like load_valid_runs, with the path of each file (its profiles folder sits beside it)."""
    if not root.is_dir():
        raise ResultsError([_missing(root)])
    runs, problems = load_all(root, cache, workers)
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
