"""airspeed velocity (asv) results folders, results format version 1 and 2.

A results folder holds ``benchmarks.json`` (each benchmark's type, unit and parameter
names) and one folder per machine with ``machine.json`` and one file per (commit,
environment). Version 2 files give each benchmark a row of ``result_columns``
(result, params, stats_ci_99_a/b, samples, ...); version 1 files give a value, or
``{"result": [...], "params": [...]}`` for a parameterized benchmark. Parameterized
results are expanded over the product of their parameter values, and the environment
becomes the ``env`` parameter and the benchmark's code version the ``version`` parameter, so
each (machine, env, benchmark, version, parameters) is a series. A ``null`` result (failed) is
a failure record, a NaN (skipped) is left out and counted.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from perfpages.importers.base import (
    Failed,
    FormatError,
    Item,
    Point,
    Problem,
    SourceRun,
    cpu_description,
    iso_from_millis,
    machine_name,
    parse_json,
    read_json,
    read_text,
    require,
    scenario_name,
    stable_text,
)
from perfpages.model import CommitInfo, Direction, Spread
from perfpages.units import canonical, direction

VERSION_CHARS = 12  # of the benchmark version hash: enough to tell one benchmark's versions apart
METRICS = {"time": ("time", "s"), "memory": ("memory", "bytes"), "peakmemory": ("peak_memory", "bytes")}
PREFIX_TYPES = {"time_": "time", "mem_": "memory", "peakmem_": "peakmemory", "track_": "track"}


def read(paths: list[Path]) -> Iterator[Item]:
    for path in paths:
        root = _results_folder(path)
        if root is None:
            yield Problem(str(path), "(folder)", "expected an asv results folder (with benchmarks.json) or a project")
            continue
        try:
            benchmarks = _benchmarks(root / "benchmarks.json")
        except FormatError as exc:
            yield Problem(str(root / "benchmarks.json"), exc.place, exc.message)
            continue
        for machine_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            yield from _machine(machine_dir, benchmarks)


def _results_folder(path: Path) -> Path | None:
    for candidate in (path, path / "results", path / ".asv" / "results"):
        if (candidate / "benchmarks.json").is_file():
            return candidate
    return None


def _benchmarks(path: Path) -> dict[str, dict]:
    doc = read_json(path)
    require(isinstance(doc, dict), "(top)", "expected an object of benchmarks")
    return {name: info for name, info in doc.items() if isinstance(info, dict)}


def _machine(folder: Path, benchmarks: dict[str, dict]) -> Iterator[Item]:
    info = {}
    if (folder / "machine.json").is_file():
        try:
            info = read_json(folder / "machine.json")
        except FormatError as exc:
            yield Problem(str(folder / "machine.json"), exc.place, exc.message)
    for path in sorted(folder.glob("*.json")):
        if path.name == "machine.json":
            continue
        try:
            run = _run(path, folder.name, info if isinstance(info, dict) else {}, benchmarks)
            yield replace(run, origin=str(path))
        except FormatError as exc:
            yield Problem(str(path), exc.place, exc.message)


def _run(path: Path, machine: str, info: dict, benchmarks: dict[str, dict]) -> SourceRun:
    text = read_text(path)
    doc = parse_json(text)
    require(isinstance(doc, dict), "(top)", "expected an asv result object")
    sha = doc.get("commit_hash")
    require(isinstance(sha, str) and len(sha) == 40, "commit_hash", f"expected a 40-hex SHA, found {sha!r}")
    version = doc.get("version", 1)
    require(version in (1, 2), "version", f"expected asv results version 1 or 2, found {version!r}")
    env = str(doc.get("env_name") or "default")
    date = doc.get("date")
    require(isinstance(date, int | float), "date", "expected the commit time in milliseconds")
    results = doc.get("results")
    require(isinstance(results, dict), "results", "expected an object of benchmark results")
    columns = doc.get("result_columns") if version == 2 else None
    require(version == 1 or isinstance(columns, list), "result_columns", "expected a list (version 2)")
    points, outcome = [], _Outcome([], [])
    versions = doc.get("benchmark_version") if isinstance(doc.get("benchmark_version"), dict) else {}
    for name, raw in results.items():
        row = _row_v2(raw, columns, name) if version == 2 else _row_v1(raw)
        if row is None:
            scenario, extra = scenario_name(name)
            outcome.failed.append(
                Failed(scenario, f"results[{name!r}]: asv recorded no result", (("env", env), *extra))
            )
            continue
        code_version = row.get("version") if version == 2 else versions.get(name)
        points.extend(_points(name, row, env, benchmarks.get(name, {}), code_version, outcome))
    return SourceRun(
        # asv keeps one file per (machine, commit, env) and overwrites it when the commit is run
        # again: the content tells the re-run from the same file imported twice.
        identity=f"{machine}\n{sha}\n{env}\n{hashlib.sha1(text.encode()).hexdigest()}",
        earlier_identity=f"{machine}\n{sha}\n{env}",
        points=tuple(points),
        failures=tuple(outcome.failed),
        skipped=tuple(outcome.skipped),
        commit=CommitInfo(sha=sha, committer_date=iso_from_millis(date), author_date=iso_from_millis(date)),
        machine=machine_name(machine),
        started_at=_started(doc, version, columns) or iso_from_millis(date),
        fingerprint={
            "source": "asv",
            # machine.json's ``cpu`` is what the user confirmed at `asv machine`; may be blank
            "cpu_model": str(info.get("cpu") or "").strip() or cpu_description(info.get("num_cpu")),
            "kernel": str(info.get("os", "")),
            "arch": str(info.get("arch", "")),
            "ram": str(info.get("ram", "")),
        },
    )


def _row_v2(raw, columns: list, name: str) -> dict | None:
    if raw is None:
        return None
    require(isinstance(raw, list), f"results[{name!r}]", "expected a list aligned with result_columns")
    return dict(zip(columns, raw, strict=False))


def _row_v1(raw) -> dict | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        return {"result": raw.get("result"), "params": raw.get("params") or []}
    return {"result": [raw], "params": []}


@dataclass(frozen=True)
class _Outcome:
    """What asv said did not work, gathered while a file's points are read."""

    failed: list[Failed]
    skipped: list[Failed]


def _points(name: str, row: dict, env: str, info: dict, code_version, outcome: _Outcome) -> Iterator[Point]:
    """One benchmark's points, a point per combination of its parameters. asv writes ``null``
    for a benchmark (or combination) that failed, and NaN for one that was skipped: the first
    becomes a failure, the second is left out; neither is a sample.

    asv's benchmark ``version`` (a hash of the benchmark's code, or the one it sets) is part of
    the series: a rewritten benchmark measures something else, so it starts a new series rather
    than a step in the old one; asv itself publishes only the current version's results."""
    metric = _metric(name, info)
    values = row.get("result")
    if not isinstance(values, list):
        values = [values]
    grid = row.get("params") or []
    names = info.get("param_names") or [f"param{i + 1}" for i in range(len(grid))]
    combos = list(itertools.product(*map(_labels, grid))) if grid else [()]
    samples = row.get("samples") or [None] * len(combos)
    low, high = row.get("stats_ci_99_a") or [], row.get("stats_ci_99_b") or []
    scenario, extra = scenario_name(name)
    versioned = (("version", str(code_version)[:VERSION_CHARS]),) if code_version else ()
    for i, combo in enumerate(combos):
        params = (
            ("env", env),
            *extra,
            *versioned,
            *((str(k), v) for k, v in zip(names, combo, strict=False)),
        )
        value = values[i] if i < len(values) else None
        if not _finite(value):
            shown = ", ".join(f"{k}={v}" for k, v in params[1 + len(extra) + len(versioned) :]) or "no parameters"
            if isinstance(value, float):
                outcome.skipped.append(Failed(scenario, f"asv skipped it ({shown})", params))
            else:
                outcome.failed.append(Failed(scenario, f"asv recorded a failure ({shown})", params))
            continue
        own = samples[i] if i < len(samples) and isinstance(samples[i], list) else None
        kept = _finite_samples(own) if own else ()
        spread = None
        if not kept and i < len(low) and i < len(high) and _finite(low[i]) and _finite(high[i]):
            spread = Spread("ci99", float(low[i]) * metric.factor, float(high[i]) * metric.factor)
        samples = metric.scaled(kept or (float(value),))
        yield Point(scenario, metric.name, metric.unit, metric.direction, samples, params, spread)


@dataclass(frozen=True)
class _Metric:
    name: str
    unit: str
    factor: float  # from asv's unit to ``unit``
    direction: Direction

    def scaled(self, values: tuple[float, ...]) -> tuple[float, ...]:
        return values if self.factor == 1.0 else tuple(v * self.factor for v in values)


def _metric(name: str, info: dict) -> _Metric:
    """What a benchmark measures. asv times in seconds and memory in bytes; a ``track_`` benchmark
    returns a number in the unit it declares (``req/s``, ``MB/s``, ``ms``), which goes through the
    shared unit layer like every other importer's: stored canonically (``MB/s`` as bytes/s, ``ms``
    as seconds), and higher-is-better when the unit is a rate or the name says so."""
    kind = info.get("type") or next((t for p, t in PREFIX_TYPES.items() if name.split(".")[-1].startswith(p)), "track")
    if kind in METRICS:
        metric, unit = METRICS[kind]
        return _Metric(metric, unit, 1.0, Direction.LOWER)
    declared = str(info.get("unit") or "unit")
    target = canonical(declared)
    return _Metric("track", target.unit, target.factor, direction(declared, name.split(".")[-1]))


def _started(doc: dict, version: int, columns) -> str | None:
    if version == 2:
        index = columns.index("started_at") if "started_at" in columns else None
        stamps = [
            r[index] for r in doc["results"].values() if isinstance(r, list) and index is not None and index < len(r)
        ]
    else:
        stamps = list((doc.get("started_at") or {}).values())
    stamps = [s for s in stamps if _finite(s)]
    return iso_from_millis(min(stamps)) if stamps else None


def _finite_samples(values: list) -> tuple[float, ...]:
    """The finite numbers of ``values`` as floats; all-float lists with a finite sum (no NaN, no
    infinity) skip the check of each sample, which was a third of a large import's time."""
    if set(map(type, values)) == {float} and math.isfinite(sum(values)):
        return tuple(values)
    return tuple(float(x) for x in values if _finite(x))


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _labels(values) -> list[str]:
    """One parameter's values as series labels. asv writes them as Python reprs, normalised so that a
    series survives a new memory address; but two values of one parameter must never become one
    label (two ``<bench.Parser object at 0x...>``, two lambdas): those that would are told apart by
    their position in asv's list of values, which is the same in every run of that benchmark."""
    labels = [_unquote(stable_text(str(v))) for v in (values if isinstance(values, list) else [values])]
    counts = Counter(labels)
    return [f"{label} #{i}" if counts[label] > 1 else label for i, label in enumerate(labels)]


def _unquote(value: str) -> str:
    """asv keeps parameter values as Python reprs: ``'float32'`` reads better as ``float32``."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
