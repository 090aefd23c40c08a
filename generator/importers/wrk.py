"""wrk: its text report, or the CSV a ``done()`` Lua hook writes.

Text: ``Latency Distribution`` (50/75/90/99%), ``Requests/sec`` and ``Transfer/sec``;
each file is one sample of the scenario named after the file.

CSV: one row per wrk run. Latency columns (``mean``, ``stdev``, ``p50``, ``p90``,
``p99``) are in microseconds, as wrk's ``latency`` object gives them; ``requests``
is the count, and with a ``duration`` column (microseconds) it becomes requests per
second. Any other column (``config``, ``size``) is a parameter, and rows with the
same parameters are samples of one series. Without a header row the columns are
taken to be ``config,size,requests,mean,stdev,p50,p90,p99``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from generator.importers.base import FormatError, Item, Point, SourceRun, is_number, scenario_name, single_runs
from generator.model import Direction

# What a scenario with `output: wrk` can list as metrics: (unit, direction).
METRICS = {
    "latency_p50": ("s", Direction.LOWER),
    "latency_p75": ("s", Direction.LOWER),
    "latency_p90": ("s", Direction.LOWER),
    "latency_p99": ("s", Direction.LOWER),
    "requests_per_s": ("1/s", Direction.HIGHER),
    "transfer_per_s": ("bytes/s", Direction.HIGHER),
}
DEFAULT_COLUMNS = ["config", "size", "requests", "mean", "stdev", "p50", "p90", "p99"]
LATENCY_COLUMNS = {
    "mean": "latency_mean",
    "p50": "latency_p50",
    "p75": "latency_p75",
    "p90": "latency_p90",
    "p99": "latency_p99",
    "max": "latency_max",
}
NUMERIC = {*LATENCY_COLUMNS, "stdev", "requests", "duration", "bytes", "errors"}
TIME = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
SIZE = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
DISTRIBUTION = re.compile(r"^\s*(50|75|90|99(?:\.\d+)?)%\s+([0-9.]+)(us|ms|s|m|h)\s*$")


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    points = tuple(_csv(text, path.stem) if _is_csv(path, text) else report_points(text, path.stem))
    return SourceRun(identity=identity, points=points, fingerprint={"source": "wrk"})


def _is_csv(path: Path, text: str) -> bool:
    return path.suffix == ".csv" or ("Requests/sec" not in text and "," in text.split("\n", 1)[0])


def report_points(text: str, name: str) -> Iterator[Point]:
    scenario, params = scenario_name(name)
    found = False
    for number, line in enumerate(text.splitlines(), start=1):
        if match := DISTRIBUTION.match(line):
            value = float(match.group(2)) * TIME[match.group(3)]
            yield Point(
                scenario, f"latency_p{match.group(1).replace('.', '_')}", "s", Direction.LOWER, (value,), params
            )
        elif line.startswith("Requests/sec:"):
            found = True
            yield Point(scenario, "requests_per_s", "1/s", Direction.HIGHER, (_float(line, number),), params)
        elif line.startswith("Transfer/sec:"):
            yield Point(scenario, "transfer_per_s", "bytes/s", Direction.HIGHER, (_bytes(line, number),), params)
    if not found:
        raise FormatError("(file)", "expected wrk's report with a `Requests/sec:` line, or a CSV")


def _float(line: str, number: int) -> float:
    try:
        return float(line.split(":", 1)[1])
    except ValueError:
        raise FormatError(f"line {number}", "expected a number after the colon") from None


def _bytes(line: str, number: int) -> float:
    match = re.match(r"^\S+:\s*([0-9.]+)\s*([KMGT]?B)\s*$", line)
    if not match:
        raise FormatError(f"line {number}", "expected a size such as 136.60MB")
    return float(match.group(1)) * SIZE[match.group(2)]


def _csv(text: str, name: str) -> Iterator[Point]:
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(cell.strip() for cell in r)]
    if not rows:
        raise FormatError("(file)", "expected CSV rows")
    has_header = not any(is_number(cell) for cell in rows[0])
    columns = [c.strip() for c in rows[0]] if has_header else DEFAULT_COLUMNS
    series: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for number, row in enumerate(rows[1:] if has_header else rows, start=2 if has_header else 1):
        if len(row) != len(columns):
            raise FormatError(
                f"line {number}", f"expected {len(columns)} columns ({','.join(columns)}), found {len(row)}"
            )
        cells = dict(zip(columns, (c.strip() for c in row), strict=True))
        params = tuple(sorted((k, v) for k, v in cells.items() if k not in NUMERIC))
        for column in NUMERIC & cells.keys():
            if not is_number(cells[column]):
                raise FormatError(f"line {number}", f"column {column}: expected a number, found {cells[column]!r}")
            series[params][column].append(float(cells[column]))
    scenario, extra = scenario_name(name)
    for params, values in sorted(series.items()):
        keys = (*extra, *params)
        for column, metric in LATENCY_COLUMNS.items():
            if column in values:
                yield Point(scenario, metric, "s", Direction.LOWER, tuple(v * 1e-6 for v in values[column]), keys)
        if "requests" in values and "duration" in values:
            rates = tuple(r / (d * 1e-6) for r, d in zip(values["requests"], values["duration"], strict=True) if d > 0)
            yield Point(scenario, "requests_per_s", "1/s", Direction.HIGHER, rates, keys)
        elif "requests" in values:
            yield Point(scenario, "requests", "requests", Direction.HIGHER, tuple(values["requests"]), keys)
