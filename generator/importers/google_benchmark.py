"""Google Benchmark ``--benchmark_format=json``.

Iteration entries of one ``run_name`` (repetitions) become the samples of real and
CPU time; aggregates (mean, median, stddev) are used only when no iteration entry
exists. ``bytes_per_second`` and ``items_per_second`` counters become
higher-is-better metrics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from perfpages.importers.base import (
    Failed,
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
from perfpages.model import Direction
from perfpages.units import direction, in_seconds

RATES = {"bytes_per_second": "bytes/s", "items_per_second": "items/s"}
OLD_AGGREGATES = ("mean", "median", "stddev", "cv")


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    require_member(doc, "benchmarks", list, "expected a list (Google Benchmark 1.x --benchmark_format=json)")
    context = doc.get("context") or {}
    entries = _classified(doc["benchmarks"])
    return SourceRun(
        identity=identity,
        points=tuple(_points(entries.runs, entries.aggregates)),
        failures=entries.failed,
        skipped=entries.skipped,
        machine=str(context["host_name"]) if context.get("host_name") else None,
        fingerprint={
            "source": "google-benchmark",
            "num_cpus": context.get("num_cpus"),
            "mhz_per_cpu": context.get("mhz_per_cpu"),
            "cpu_scaling_enabled": context.get("cpu_scaling_enabled"),
        },
    )


@dataclass(frozen=True)
class _Entries:
    runs: dict[str, list[dict]]  # run name -> its iteration entries (one per repetition)
    aggregates: dict[str, list[dict]]  # run name -> its mean, median, stddev... entries
    failed: tuple[Failed, ...]
    skipped: tuple[Failed, ...]


def _classified(benchmarks: list) -> _Entries:
    """Entries by run name, with errored and skipped ones set apart: Google Benchmark writes zero
    times for them (``error_occurred``/``error_message`` for SkipWithError, ``skipped``/
    ``skip_message`` for SkipWithMessage since 1.8), and zero iterations mean nothing was timed."""
    runs: dict[str, list[dict]] = defaultdict(list)
    aggregates: dict[str, list[dict]] = defaultdict(list)
    failed: dict[str, Failed] = {}
    skipped: dict[str, Failed] = {}
    for i, b in enumerate(benchmarks):
        require(isinstance(b, dict) and "name" in b, f"benchmarks[{i}]", "expected an object with name and real_time")
        name, kind, aggregate = _run_name(b)
        scenario, params = scenario_name(name)
        if b.get("error_occurred"):
            reason = f"benchmarks[{i}]: error: {b.get('error_message') or 'no message'}"
            failed.setdefault(name, Failed(scenario, reason, params))
        elif b.get("skipped") is True or (isinstance(b.get("skipped"), str) and b["skipped"] not in ("", "0")):
            skipped.setdefault(name, Failed(scenario, f"skipped: {b.get('skip_message') or ''}", params))
        elif kind != "aggregate" and b.get("iterations") == 0:
            failed.setdefault(name, Failed(scenario, f"benchmarks[{i}]: 0 iterations: nothing was timed", params))
        else:
            (aggregates if kind == "aggregate" else runs)[name].append({"aggregate_name": aggregate, **b})
    for name in failed.keys() | skipped.keys():  # a repetition that failed makes the others suspect too
        runs.pop(name, None)
        aggregates.pop(name, None)
    return _Entries(runs, aggregates, tuple(failed.values()), tuple(skipped.values()))


def _run_name(b: dict) -> tuple[str, str, str]:
    """The run's name, ``iteration`` or ``aggregate``, and the aggregate's name. Before 1.5
    entries had no ``run_name`` or ``run_type``: an aggregate was told apart only by its
    ``_mean``/``_median``/``_stddev`` suffix."""
    if "run_type" in b or "run_name" in b:
        return str(b.get("run_name") or b["name"]), str(b.get("run_type") or "iteration"), ""
    name = str(b["name"])
    for suffix in OLD_AGGREGATES:
        if name.endswith(f"_{suffix}"):
            return name.removesuffix(f"_{suffix}"), "aggregate", suffix
    return name, "iteration", ""


def _points(runs: dict[str, list[dict]], aggregates: dict[str, list[dict]]) -> Iterator[Point]:
    for name in sorted(runs.keys() | aggregates.keys()):
        entries = runs.get(name) or [a for a in aggregates[name] if a.get("aggregate_name") in ("mean", "median")][:1]
        if not entries:
            continue
        scenario, params = scenario_name(name)
        unit = str(entries[0].get("time_unit", "ns"))
        require(unit in ("ns", "us", "ms", "s"), f"{name}.time_unit", f"expected ns, us, ms or s, found {unit!r}")
        for metric in ("real_time", "cpu_time"):
            values = finite_samples([e.get(metric) for e in entries], f"{name}.{metric}")
            yield Point(scenario, metric, "s", Direction.LOWER, tuple(in_seconds(v, unit) for v in values), params)
        for counter, rate_unit in RATES.items():
            if all(isinstance(e.get(counter), int | float) for e in entries):
                values = finite_samples([e[counter] for e in entries], f"{name}.{counter}")
                yield Point(scenario, counter, rate_unit, direction(rate_unit, counter), values, params)
