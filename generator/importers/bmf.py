"""Bencher Metric Format: ``{benchmark: {measure: {value, lower_value?, upper_value?}}}``.

BMF does not say which way is better; the shared unit layer decides from the measure's
unit and name: a rate or a name like one (throughput, ``*_per_s``, ops, rps) is
higher-is-better, error counts and anything else lower.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from perfpages.importers.base import (
    Item,
    Point,
    SourceRun,
    finite_samples,
    parse_json,
    require,
    scenario_name,
    single_runs,
)
from perfpages.model import Spread
from perfpages.units import canonical, direction

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
            unit = UNITS.get(measure) or _unit_named(measure)
            target = canonical(unit)  # a measure named "ms" is stored in seconds, like every time
            spread = None
            if isinstance(m.get("lower_value"), int | float) and isinstance(m.get("upper_value"), int | float):
                low, high = float(m["lower_value"]) * target.factor, float(m["upper_value"]) * target.factor
                spread = Spread("range", low, high)
            metric, _ = scenario_name(measure)
            samples = (value * target.factor,)
            yield Point(scenario, metric, target.unit, direction(unit, measure), samples, extra, spread)


def _unit_named(measure: str) -> str:
    """A measure named by its unit (``req/s``, ``ms``) has that unit; any other name gets ``value``."""
    return measure if canonical(measure).dimension != "other" else "value"
