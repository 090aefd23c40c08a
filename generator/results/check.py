"""`perfpages check`: validate every results file and count what they hold."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.results.schema import Problem
from generator.results.store import LoadedRun, load_all


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
        problem = Problem(str(root), "(folder)", "not found; run `perfpages run` first or pass --results DIR")
        return CheckReport(0, 0, 0, (problem,))
    runs, problems = load_all(root)
    series, points = _count(runs)
    return CheckReport(len(runs), series, points, tuple(problems))


def _count(runs: list[LoadedRun]) -> tuple[int, int]:
    series, points = set(), set()
    for run in runs:
        for m in run.record.measurements:
            key = (run.record.machine, m.scenario, m.params, m.metric)
            series.add(key)
            points.add((key, m.commit))
    return len(series), len(points)
