"""Bencher Metric Format: ``{benchmark: {measure: {value, lower_value?, upper_value?}}}``.

BMF does not say which way is better; the shared unit layer decides from the measure's
unit and name: a rate or a name like one (throughput, ``*_per_s``, ops, rps) is
higher-is-better, error counts and anything else lower.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from generator.importers.base import (
    Item,
    Point,
    SourceRun,
    finite_samples,
    parse_json,
    require,
    scenario_name,
    single_runs,
)
from generator.model import Spread
from generator.units import direction

UNITS = {"latency": "ns", "throughput": "ops/s", "instructions": "instructions", "file-size": "bytes"}


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    require(isinstance(doc, dict), "(top)", "expected an object of benchmarks")
    return SourceRun(identity=identity, points=tuple(_points(doc)), fingerprint={"source": "bmf"})


def _points(doc: dict) -> Iterator[Point]:
    for bench, measures in doc.items():
        place = json.dumps(bench)
        require(isinstance(measures, dict), place, "expected an object of measures")
        scenario, extra = scenario_name(bench)
        for measure, m in measures.items():
            where = f"{place}.{json.dumps(measure)}"
            require(isinstance(m, dict), where, "expected {value, lower_value, upper_value}")
            (value,) = finite_samples([m.get("value")], f"{where}.value")
            spread = None
            if isinstance(m.get("lower_value"), int | float) and isinstance(m.get("upper_value"), int | float):
                spread = Spread("range", float(m["lower_value"]), float(m["upper_value"]))
            metric, _ = scenario_name(measure)
            unit = UNITS.get(measure, "value")
            yield Point(scenario, metric, unit, direction(unit, measure), (value,), extra, spread)
