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
from dataclasses import dataclass, replace
from pathlib import Path

from perfpages.importers.base import (
    Failed,
    FormatError,
    Item,
    Point,
    Report,
    SourceRun,
    is_number,
    measured,
    scenario_name,
    single_runs,
)
from perfpages.model import Direction
from perfpages.units import direction, in_seconds, normalise

# What a scenario with `output: wrk` can list as metrics, with their units.
UNITS = {
    "latency_p50": "s",
    "latency_p75": "s",
    "latency_p90": "s",
    "latency_p99": "s",
    "requests_per_s": "1/s",
    "transfer_per_s": "bytes/s",
    "socket_errors": "errors",
    "non_2xx": "responses",
    "non_2xx_ratio": "ratio",
}
METRICS = {name: (unit, direction(unit, name)) for name, unit in UNITS.items()}  # (unit, direction)
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
WRK_TIME = {"us": "us", "ms": "ms", "s": "s", "m": "min", "h": "h"}  # wrk's spellings -> the unit layer's
# wrk prints "  99%  2.67ms"; wrk2 (HdrHistogram) prints " 99.900%  2.67ms" and goes up to 100.000%.
DISTRIBUTION = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)%\s+([0-9.]+)(us|ms|s|m|h)\s*$")
COMPLETED = re.compile(r"^\s*(\d+) requests in ")
SOCKET_ERRORS = re.compile(r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses: (\d+)")


def _percentile_metric(percent: str) -> str:
    """ "99.900" -> latency_p99_9, "50.000" -> latency_p50: one name however many decimals the tool
    prints, so wrk's and wrk2's reports of the same percentile are one series."""
    whole, _, fraction = percent.partition(".")
    fraction = fraction.rstrip("0")
    return f"latency_p{int(whole)}" + (f"_{fraction}" if fraction else "")


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    if _is_csv(path, text):
        failures: list[Failed] = []
        points = tuple(_csv(text, path.stem, failures))
        return SourceRun(identity=identity, points=points, failures=tuple(failures), fingerprint={"source": "wrk"})
    report = text_report(text, path.stem)
    scenario, params = scenario_name(path.stem)
    failed = (Failed(scenario, report.failure, params),) if report.failure else ()
    return SourceRun(identity=identity, points=report.points, failures=failed, fingerprint={"source": "wrk"})


def _is_csv(path: Path, text: str) -> bool:
    return path.suffix == ".csv" or ("Requests/sec" not in text and "," in text.split("\n", 1)[0])


@dataclass(frozen=True)
class _Errors:
    """wrk's own failure signals: requests completed, socket errors, and error responses."""

    completed: int | None = None
    connect: int = 0
    read: int = 0
    write: int = 0
    timeout: int = 0
    non_2xx: int = 0

    @property
    def socket(self) -> int:
        return self.connect + self.read + self.write + self.timeout

    def failure(self) -> str:
        """Why the run measured nothing, or "" when it measured something."""
        kinds = ", ".join(f"{n} {k}" for k, n in self._socket_kinds() if n)
        if self.completed == 0:
            return "0 requests completed" + (f", socket errors: {kinds}" if kinds else "")
        if self.completed and self.non_2xx >= self.completed:
            return f"{self.non_2xx} of {self.completed} responses were non-2xx or 3xx: nothing measured the endpoint"
        return ""

    def _socket_kinds(self):
        return (("connect", self.connect), ("read", self.read), ("write", self.write), ("timeout", self.timeout))


def text_report(text: str, name: str) -> Report:
    """wrk's text report. Latency is that of every response, wrk does not set error responses
    apart: so a run in which no request completed, or every response was an error, is a failure
    with wrk's counts as the reason; otherwise socket errors and error responses are metrics of
    their own next to latency and throughput."""
    scenario, params = scenario_name(name)
    points, errors, found = [], _Errors(), False
    for number, line in enumerate(text.splitlines(), start=1):
        if match := DISTRIBUTION.match(line):
            value = in_seconds(float(match.group(2)), WRK_TIME[match.group(3)])
            metric = _percentile_metric(match.group(1))
            points.append(measured(scenario, metric, "s", (value,), params))
        elif line.startswith("Requests/sec:"):
            found = True
            points.append(measured(scenario, "requests_per_s", "1/s", (_float(line, number),), params))
        elif line.startswith("Transfer/sec:"):
            value = _bytes(line, number)
            points.append(measured(scenario, "transfer_per_s", "bytes/s", (value,), params))
        elif match := COMPLETED.match(line):
            errors = replace(errors, completed=int(match.group(1)))
        elif match := SOCKET_ERRORS.match(line):
            connect, read_, write, timeout = map(int, match.groups())
            errors = replace(errors, connect=connect, read=read_, write=write, timeout=timeout)
        elif match := NON_2XX.match(line):
            errors = replace(errors, non_2xx=int(match.group(1)))
    if not found:
        raise FormatError("(file)", "expected wrk's report with a `Requests/sec:` line, or a CSV")
    if failure := errors.failure():
        return Report((), failure)
    return Report((*points, *_error_points(errors, scenario, params)))


def _error_points(errors: _Errors, scenario: str, params) -> Iterator[Point]:
    """Error counts are kept (zero included) so that a series of them exists before errors start."""
    yield measured(scenario, "socket_errors", "errors", (float(errors.socket),), params)
    yield measured(scenario, "non_2xx", "responses", (float(errors.non_2xx),), params)
    if errors.completed:
        ratio = errors.non_2xx / errors.completed
        yield measured(scenario, "non_2xx_ratio", "ratio", (ratio,), params)


def _float(line: str, number: int) -> float:
    try:
        return float(line.split(":", 1)[1])
    except ValueError:
        raise FormatError(f"line {number}", "expected a number after the colon") from None


def _bytes(line: str, number: int) -> float:
    match = re.match(r"^\S+:\s*([0-9.]+)\s*([KMGT]?B)\s*$", line)
    if not match:
        raise FormatError(f"line {number}", "expected a size such as 136.60MB")
    # wrk prints sizes in binary multiples with SI-looking names: its 1.00MB is 1024 * 1024 bytes.
    return normalise(float(match.group(1)), match.group(2), binary_sizes=True).value


def _csv(text: str, name: str, failures: list[Failed]) -> Iterator[Point]:
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(cell.strip() for cell in r)]
    if not rows:
        raise FormatError("(file)", "expected CSV rows")
    has_header = not any(is_number(cell) for cell in rows[0])
    columns = [c.strip() for c in rows[0]] if has_header else DEFAULT_COLUMNS
    series: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    failed_rows: dict[tuple, list[int]] = defaultdict(list)
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
        if "requests" in cells and float(cells["requests"]) == 0:
            failed_rows[params].append(number)  # wrk's latency object is all zeros then: not a measurement
            continue
        for column in NUMERIC & cells.keys():
            series[params][column].append(float(cells[column]))
    scenario, extra = scenario_name(name)
    for params, numbers in sorted(failed_rows.items()):
        lines = ", ".join(map(str, numbers))
        failures.append(Failed(scenario, f"0 requests completed (line {lines})", (*extra, *params)))
    for params, values in sorted(series.items()):
        keys = (*extra, *params)
        for column, metric in LATENCY_COLUMNS.items():
            if column in values:
                yield measured(scenario, metric, "s", tuple(v * 1e-6 for v in values[column]), keys)
        if "requests" in values and "duration" in values:
            rates = tuple(r / (d * 1e-6) for r, d in zip(values["requests"], values["duration"], strict=True) if d > 0)
            yield measured(scenario, "requests_per_s", "1/s", rates, keys)
        elif "requests" in values:
            # Requests completed in a fixed-length run: more is better, though a count's default is lower.
            yield Point(scenario, "requests", "requests", Direction.HIGHER, tuple(values["requests"]), keys)
        if "errors" in values:
            yield measured(scenario, "errors", "errors", tuple(values["errors"]), keys)
