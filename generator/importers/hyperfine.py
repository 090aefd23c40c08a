"""hyperfine ``--export-json``: one result per command, with every run's time in ``times``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from generator.importers.base import (
    Item,
    Point,
    SourceRun,
    finite_samples,
    parse_json,
    require,
    require_member,
    scenario_name,
    single_runs,
)
from generator.model import Direction


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    require_member(doc, "results", list, "expected a list")
    return SourceRun(identity=identity, points=tuple(_points(doc["results"])), fingerprint={"source": "hyperfine"})


def _points(results: list) -> Iterator[Point]:
    for i, result in enumerate(results):
        place = f"results[{i}]"
        require(isinstance(result, dict) and "command" in result, place, "expected an object with command and times")
        times = result.get("times") or [result.get("mean")]
        scenario, extra = scenario_name(str(result["command"]))
        params = tuple(sorted((str(k), str(v)) for k, v in (result.get("parameters") or {}).items()))
        yield Point(
            scenario, "wall_time", "s", Direction.LOWER, finite_samples(times, f"{place}.times"), (*extra, *params)
        )
        for metric in ("user", "system"):
            if isinstance(result.get(metric), int | float):
                yield Point(
                    scenario,
                    f"{metric}_time",
                    "s",
                    Direction.LOWER,
                    finite_samples([result[metric]], f"{place}.{metric}"),
                    (*extra, *params),
                )
