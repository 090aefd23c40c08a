"""Google Benchmark ``--benchmark_format=json``.

Iteration entries of one ``run_name`` (repetitions) become the samples of real and
CPU time; aggregates (mean, median, stddev) are used only when no iteration entry
exists. ``bytes_per_second`` and ``items_per_second`` counters become
higher-is-better metrics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from generator.importers.base import (
    Item,
    Point,
    SourceRun,
    finite_samples,
    parse_json,
    require,
    require_member,
    scenario_name,
    seconds,
    single_runs,
)
from generator.model import Direction

RATES = {"bytes_per_second": "bytes/s", "items_per_second": "items/s"}


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    require_member(doc, "benchmarks", list, "expected a list")
    context = doc.get("context") or {}
    return SourceRun(
        identity=identity,
        points=tuple(_points(doc["benchmarks"])),
        machine=str(context["host_name"]) if context.get("host_name") else None,
        fingerprint={
            "source": "google-benchmark",
            "num_cpus": context.get("num_cpus"),
            "mhz_per_cpu": context.get("mhz_per_cpu"),
            "cpu_scaling_enabled": context.get("cpu_scaling_enabled"),
        },
    )


def _points(benchmarks: list) -> Iterator[Point]:
    runs: dict[str, list[dict]] = defaultdict(list)
    aggregates: dict[str, list[dict]] = defaultdict(list)
    for i, b in enumerate(benchmarks):
        require(isinstance(b, dict) and "name" in b, f"benchmarks[{i}]", "expected an object with name and real_time")
        name = str(b.get("run_name") or b["name"])
        (aggregates if b.get("run_type") == "aggregate" else runs)[name].append(b)
    for name in sorted(runs.keys() | aggregates.keys()):
        entries = runs.get(name) or [a for a in aggregates[name] if a.get("aggregate_name") in ("mean", "median")][:1]
        if not entries:
            continue
        scenario, params = scenario_name(name)
        unit = str(entries[0].get("time_unit", "ns"))
        require(unit in ("ns", "us", "ms", "s"), f"{name}.time_unit", f"expected ns, us, ms or s, found {unit!r}")
        for metric in ("real_time", "cpu_time"):
            values = finite_samples([e.get(metric) for e in entries], f"{name}.{metric}")
            yield Point(scenario, metric, "s", Direction.LOWER, tuple(seconds(v, unit) for v in values), params)
        for counter, rate_unit in RATES.items():
            if all(isinstance(e.get(counter), int | float) for e in entries):
                values = finite_samples([e[counter] for e in entries], f"{name}.{counter}")
                yield Point(scenario, counter, rate_unit, Direction.HIGHER, values, params)
