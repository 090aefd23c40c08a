"""hyperfine ``--export-json``: one result per command, with every run's time in ``times``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from generator.importers.base import (
    FormatError,
    Item,
    Point,
    Problem,
    SourceRun,
    files,
    finite_samples,
    read_json,
    require,
    scenario_name,
)
from generator.model import Direction


def read(paths: list[Path]) -> Iterator[Item]:
    for path in files(paths, "*.json"):
        try:
            doc = read_json(path)
            require(isinstance(doc, dict) and isinstance(doc.get("results"), list), "results", "expected a list")
            points = tuple(_points(doc["results"]))
        except FormatError as exc:
            yield Problem(str(path), exc.place, exc.message)
            continue
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        yield SourceRun(identity=f"{path.name}\n{digest}", points=points, fingerprint={"source": "hyperfine"})


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
