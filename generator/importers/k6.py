"""k6 end-of-test summaries: ``--summary-export`` files and ``handleSummary`` JSON.

Both map metric names to their values (``handleSummary`` nests them under
``values``). Kept: ``http_req_duration`` average and percentiles (median, p90,
p95, p99 when present), the request rate, the data received per second and the
failed-request ratio. Each file is one run of the scenario named after the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from generator.importers.base import (
    FormatError,
    Item,
    Point,
    SourceRun,
    parse_json,
    require,
    require_member,
    scenario_name,
    single_runs,
)
from generator.model import Direction

LATENCY = {
    "avg": "latency_avg",
    "med": "latency_p50",
    "p(90)": "latency_p90",
    "p(95)": "latency_p95",
    "p(99)": "latency_p99",
}
# What a scenario with `output: k6` can list as metrics: (unit, direction).
METRICS = {
    **{name: ("s", Direction.LOWER) for name in LATENCY.values()},
    "requests_per_s": ("1/s", Direction.HIGHER),
    "data_received_per_s": ("bytes/s", Direction.HIGHER),
    "failed_ratio": ("ratio", Direction.LOWER),
}
RATES = {  # k6 metric -> (our metric, unit, direction)
    "http_reqs": ("requests_per_s", "1/s", Direction.HIGHER),
    "data_received": ("data_received_per_s", "bytes/s", Direction.HIGHER),
}


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    require_member(doc, "metrics", dict, "expected an object")
    points = tuple(summary_points(doc["metrics"], path.stem.removesuffix(".json")))
    require(bool(points), "metrics.http_req_duration", "expected k6's http_req_duration or http_reqs")
    return SourceRun(identity=identity, points=points, fingerprint={"source": "k6"})


def _values(metric) -> dict:
    if not isinstance(metric, dict):
        return {}
    return metric["values"] if isinstance(metric.get("values"), dict) else metric


def _number(values: dict, key: str, place: str) -> float | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormatError(place, f"expected a number, found {value!r}")
    return float(value)


def summary_points(metrics: dict, name: str) -> Iterator[Point]:
    scenario, params = scenario_name(name)
    duration = _values(metrics.get("http_req_duration"))
    for key, metric in LATENCY.items():
        value = _number(duration, key, f"metrics.http_req_duration.{key}")
        if value is not None:
            yield Point(scenario, metric, "s", Direction.LOWER, (value / 1000,), params)  # k6 reports ms
    for source, (metric, unit, direction) in RATES.items():
        value = _number(_values(metrics.get(source)), "rate", f"metrics.{source}.rate")
        if value is not None:
            yield Point(scenario, metric, unit, direction, (value,), params)
    failed = _values(metrics.get("http_req_failed"))
    value = _number(failed, "rate", "metrics.http_req_failed.rate")
    if value is None:
        value = _number(failed, "value", "metrics.http_req_failed.value")
    if value is not None:
        yield Point(scenario, "failed_ratio", "ratio", Direction.LOWER, (value,), params)
