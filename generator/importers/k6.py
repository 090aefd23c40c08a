"""k6 end-of-test summaries: ``--summary-export`` files and ``handleSummary`` JSON.

Both map metric names to their values (``handleSummary``, k6 0.30+, nests them under
``values``). Kept: the ``http_req_duration`` average and percentiles (median, p90, p95, p99
when present), taken from the ``{expected_response:true}`` sub-metric (k6 0.31+) when the
summary has it, so that fast error responses do not pass for fast requests; the request
rate, the data received per second, and the failed requests' count and ratio
(``http_req_failed``), lower-is-better. Each file is one run of the scenario named after the file.

k6's own failure signals make the run a failure record, never samples: a failed threshold
(k6 exits non-zero then, as a failed scenario command does under ``perfpages run``), no
completed request, or every request failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from perfpages.importers.base import (
    Failed,
    FormatError,
    Item,
    Point,
    Report,
    SourceRun,
    measured,
    parse_json,
    require,
    require_member,
    scenario_name,
    single_runs,
)
from perfpages.units import direction, in_seconds

LATENCY = {
    "avg": "latency_avg",
    "med": "latency_p50",
    "p(90)": "latency_p90",
    "p(95)": "latency_p95",
    "p(99)": "latency_p99",
}
# What a scenario with `output: k6` can list as metrics, with their units.
UNITS = {
    **{name: "s" for name in LATENCY.values()},
    "requests_per_s": "1/s",
    "data_received_per_s": "bytes/s",
    "failed_ratio": "ratio",
    "failed_requests": "requests",
}
METRICS = {name: (unit, direction(unit, name)) for name, unit in UNITS.items()}  # (unit, direction)
EXPECTED = "http_req_duration{expected_response:true}"  # successful responses only (k6 0.31+)
RATES = {  # k6 metric -> (our metric, unit)
    "http_reqs": ("requests_per_s", "1/s"),
    "data_received": ("data_received_per_s", "bytes/s"),
}


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    report = summary_report(doc, path.stem.removesuffix(".json"))
    scenario, params = scenario_name(path.stem.removesuffix(".json"))
    failed = (Failed(scenario, report.failure, params),) if report.failure else ()
    return SourceRun(identity=identity, points=report.points, failures=failed, fingerprint={"source": "k6"})


def summary_report(doc, name: str) -> Report:
    """The points of one k6 summary document, or k6's reason why the run is a failure."""
    require_member(doc, "metrics", dict, "expected an object (k6 --summary-export or handleSummary JSON)")
    metrics = doc["metrics"]
    failure = _failure(metrics)
    if failure:
        return Report((), failure)
    points = tuple(_points(metrics, name))
    require(bool(points), "metrics.http_req_duration", "expected k6's http_req_duration or http_reqs")
    return Report(points)


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


def _failure(metrics: dict) -> str:
    broken = sorted(f"{name} {expr}" for name, m in metrics.items() for expr in _failed_thresholds(m))
    if broken:
        return f"k6 thresholds failed: {'; '.join(broken)}"
    count = _number(_values(metrics.get("http_reqs")), "count", "metrics.http_reqs.count")
    if count == 0:
        return "0 HTTP requests completed (metrics.http_reqs.count)"
    failed = _values(metrics.get("http_req_failed"))
    rate = _failed_rate(failed)
    if rate is not None and rate >= 1:
        return f"every HTTP request failed (metrics.http_req_failed: {_failed_count(failed):.0f} failed)"
    return ""


def _failed_thresholds(metric) -> list[str]:
    """Threshold expressions that failed. handleSummary writes ``{"p(95)<500": {"ok": false}}``;
    --summary-export writes a bare boolean that is ``true`` when the threshold FAILED (k6 kept
    that inverted meaning for compatibility)."""
    thresholds = metric.get("thresholds") if isinstance(metric, dict) else None
    if not isinstance(thresholds, dict):
        return []
    return [
        expr
        for expr, state in thresholds.items()
        if (isinstance(state, dict) and state.get("ok") is False) or state is True
    ]


def _failed_rate(failed: dict) -> float | None:
    rate = _number(failed, "rate", "metrics.http_req_failed.rate")
    return _number(failed, "value", "metrics.http_req_failed.value") if rate is None else rate


def _failed_count(failed: dict) -> float:
    """``passes`` of the http_req_failed rate counts requests for which "failed" was true."""
    return _number(failed, "passes", "metrics.http_req_failed.passes") or 0.0


def _points(metrics: dict, name: str) -> Iterator[Point]:
    scenario, params = scenario_name(name)
    source = EXPECTED if EXPECTED in metrics else "http_req_duration"
    duration = _values(metrics.get(source))
    for key, metric in LATENCY.items():
        value = _number(duration, key, f"metrics.{source}.{key}")
        if value is not None:
            yield measured(scenario, metric, "s", (in_seconds(value, "ms"),), params)  # k6 reports ms
    for source, (metric, unit) in RATES.items():
        value = _number(_values(metrics.get(source)), "rate", f"metrics.{source}.rate")
        if value is not None:
            yield measured(scenario, metric, unit, (value,), params)
    failed = _values(metrics.get("http_req_failed"))
    rate = _failed_rate(failed)
    if rate is not None:
        yield measured(scenario, "failed_ratio", "ratio", (rate,), params)
        yield measured(scenario, "failed_requests", "requests", (_failed_count(failed),), params)
