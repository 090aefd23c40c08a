"""github-action-benchmark: `data.js` (``window.BENCHMARK_DATA = {...}``) or its JSON form.

``entries`` maps a suite name to its runs; each run has the commit (SHA, message,
author, timestamp), the tool that produced it, and ``benches`` of name, value, unit
and an optional ``range``. Each suite's benchmarks become scenarios ``<suite>/<name>``.

Values become canonical units through the shared unit layer (``us`` and ``ms`` -> s,
``ops/sec`` -> ops/s), their ranges with them; a ``±2.42%`` range is relative to the value.
The direction follows from the unit, except for the custom tools, which say it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from perfpages.importers.base import (
    FormatError,
    Item,
    Point,
    Problem,
    SourceRun,
    files,
    finite_samples,
    iso,
    iso_from_millis,
    read_text,
    require,
    require_member,
    scenario_name,
)
from perfpages.importers.gotest import suffixes
from perfpages.model import CommitInfo, Direction, Spread
from perfpages.units import canonical, direction, in_seconds

CUSTOM = {"customBiggerIsBetter": Direction.HIGHER, "customSmallerIsBetter": Direction.LOWER}
TIME_TOOLS = {"cargo", "go", "googlecpp", "catch2", "julia", "jmh", "benchmarkdotnet", "benchmarkluau"}
PLUS_MINUS = re.compile(r"^\s*(?:±|\+/-)\s*([0-9.]+(?:[eE][+-]?[0-9]+)?)\s*(%)?")
STDDEV = re.compile(r"stddev:\s*([0-9.eE+-]+)")
MEAN = re.compile(r"mean:\s*([0-9.eE+-]+)\s*(nsec|usec|msec|sec)")
PYTEST_UNITS = {"nsec": "ns", "usec": "us", "msec": "ms", "sec": "s"}
GO_PROCS = re.compile(r"^(\d+) procs$", re.MULTILINE)  # in ``extra``: go's -N name suffix, GOMAXPROCS


def read(paths: list[Path]) -> Iterator[Item]:
    for path in files(paths, "*.js*"):
        try:
            doc = _parse(read_text(path))
        except FormatError as exc:
            yield Problem(str(path), exc.place, exc.message)
            continue
        for suite, runs in doc["entries"].items():
            if not isinstance(runs, list):
                yield Problem(str(path), f"entries[{json.dumps(suite)}]", "expected a list of runs")
                continue
            for i, run in enumerate(runs):
                place = f"entries[{json.dumps(suite)}][{i}]"
                try:
                    yield replace(_run(suite, run, place), origin=f"{path}: {place}")
                except FormatError as exc:
                    yield Problem(str(path), exc.place, exc.message)


def _parse(text: str) -> dict:
    start = text.find("{")
    require(start >= 0, "(file)", "expected `window.BENCHMARK_DATA = {...}` or a JSON object")
    body = text[start:].rstrip().rstrip(";")
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        line = text.count("\n", 0, start) + exc.lineno  # the `window.BENCHMARK_DATA = ` prefix shifts nothing else
        raise FormatError(f"line {line} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    require_member(doc, "entries", dict, "expected an object of suites")
    return doc


def _run(suite: str, run: dict, place: str) -> SourceRun:
    require(isinstance(run, dict), place, "expected an object with commit, date, tool and benches")
    commit = _commit(run.get("commit"), f"{place}.commit")
    tool = run.get("tool", "")
    benches = run.get("benches")
    require(isinstance(benches, list), f"{place}.benches", "expected a list")
    names = _go_names(benches) if tool == "go" else {}
    points = tuple(_point(suite, tool, b, f"{place}.benches[{j}]", names.get(j)) for j, b in enumerate(benches))
    date = run.get("date")
    started = iso_from_millis(date) if isinstance(date, int | float) else None
    return SourceRun(
        identity=f"{suite}\n{commit.sha}\n{date}",
        points=points,
        commit=commit,
        started_at=started,
        fingerprint={"source": "github-action-benchmark", "suite": suite, "tool": tool},
    )


def _commit(doc, place: str) -> CommitInfo:
    require(isinstance(doc, dict), place, "expected an object with id, message and timestamp")
    sha = str(doc.get("id", ""))
    require(bool(re.fullmatch(r"[0-9a-f]{40}", sha)), f"{place}.id", f"expected a 40-hex commit SHA, found {sha!r}")
    stamp = doc.get("timestamp") or ""
    try:
        when = iso(stamp) if stamp else ""
    except ValueError:
        raise FormatError(f"{place}.timestamp", f"expected an ISO 8601 time, found {stamp!r}") from None
    author = doc.get("author") or {}
    return CommitInfo(
        sha=sha,
        subject=str(doc.get("message", "")).split("\n", 1)[0],
        author=str(author.get("name") or author.get("username") or ""),
        author_date=when,
        committer_date=when,
    )


def _go_names(benches: list) -> dict[int, tuple[str, str | None]]:
    """For ``tool: go``, each bench's name and ``gomaxprocs`` parameter. github-action-benchmark cuts
    go's ``-N`` suffix off every name and keeps it in ``extra`` (``2 procs``), even when it was a
    sub-benchmark's own (``size-1024``); so the names are put back as go printed them and split by
    the go importer's rule: several values (``-cpu 1,2,4``) give the parameter, and a suffix the
    names do not prove to be GOMAXPROCS stays in the name."""
    printed: dict[int, tuple[str, str]] = {}
    for j, bench in enumerate(benches):
        if isinstance(bench, dict) and "name" in bench:
            # Newer releases name each of a benchmark's metrics ``BenchmarkX - B/op``; go's names have no spaces.
            name, space, metric = str(bench["name"]).partition(" ")
            procs = GO_PROCS.search(str(bench.get("extra") or ""))
            printed[j] = (f"{name}-{procs.group(1)}" if procs else name, space + metric)
    split = suffixes({("", name) for name, _ in printed.values()}, {name for name, _ in printed.values()})
    found = {}
    for j, (name, metric) in printed.items():
        base, procs = split.name("", name)
        found[j] = (base + metric, procs)
    return found


def _point(suite: str, tool: str, bench, place: str, go_name: tuple[str, str | None] | None = None) -> Point:
    require(isinstance(bench, dict) and "name" in bench, place, "expected an object with name, value and unit")
    (value,) = finite_samples([bench.get("value")], f"{place}.value")
    unit = str(bench.get("unit") or "")
    require(bool(unit), f"{place}.unit", "expected a unit")
    name, procs = go_name or (bench["name"], None)
    scenario, params = scenario_name(f"{suite}/{name}")
    params = (*params, ("gomaxprocs", procs)) if procs else params
    metric = "time" if tool in TIME_TOOLS else ("ops" if tool in ("pytest", "benchmarkjs") else "value")
    # Values are stored as the tool printed them, and Catch2 and others switch the unit with the
    # magnitude (950 us, then 1.02 ms): each becomes the canonical unit, so a series has one unit.
    target = canonical(unit)
    spread = _spread(value, str(bench.get("range") or ""), str(bench.get("extra") or ""))
    return Point(
        scenario=scenario,
        metric=metric,
        unit=target.unit,
        direction=_direction(tool, unit, metric),
        samples=(value * target.factor,),
        params=params,
        spread=Spread(spread.kind, spread.low * target.factor, spread.high * target.factor) if spread else None,
    )


def _direction(tool: str, unit: str, metric: str) -> Direction:
    """The custom tools say which way is better; for the others it follows from the unit, as
    everywhere (``ops/sec`` is higher-is-better, ``ns/iter`` lower)."""
    if tool in CUSTOM:
        return CUSTOM[tool]
    return direction(unit, metric)


def _spread(value: float, text: str, extra: str) -> Spread | None:
    """cargo and others write ``± r`` in the value's unit; benchmark.js writes ``±2.42%``, relative
    to the value; pytest writes the time's stddev, while its value is operations per second, so it
    is converted through the mean time."""
    if match := PLUS_MINUS.match(text):
        r = float(match.group(1))
        if match.group(2):
            r = abs(value) * r / 100
        return Spread("range", value - r, value + r)
    sd, mean = STDDEV.search(text), MEAN.search(extra)
    if sd and mean:
        mean_s = in_seconds(float(mean.group(1)), PYTEST_UNITS[mean.group(2)])
        if mean_s > 0:
            relative = float(sd.group(1)) / mean_s
            return Spread("stddev", value * (1 - relative), value * (1 + relative))
    return None
