"""Google Benchmark ``--benchmark_format=json``.

Iteration entries of one ``run_name`` (repetitions) become the samples of real and
CPU time; aggregates (mean, median, stddev, and the BigO and RMS complexity fits) are
statistics over runs, not runs: the mean (or median) stands in only when no iteration
entry exists, and every aggregate not imported is counted as skipped.
``bytes_per_second`` and ``items_per_second`` counters become higher-is-better metrics.
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
    cpu_description,
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
# Before 1.5 an aggregate is told apart by its name's suffix. BigO and RMS are the complexity fit
# over a family's sizes (``->Complexity()``): no real_time, coefficients instead.
OLD_AGGREGATES = ("mean", "median", "stddev", "cv", "BigO", "RMS")
STAND_INS = ("mean", "median")  # the aggregates that may stand in for runs a file does not list


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    require_member(doc, "benchmarks", list, "expected a list (Google Benchmark 1.x --benchmark_format=json)")
    context = doc.get("context") or {}
    entries = _classified(doc["benchmarks"])
    chosen = {name: _chosen(name, entries) for name in sorted(entries.runs.keys() | entries.aggregates.keys())}
    return SourceRun(
        identity=identity,
        points=tuple(_points(chosen)),
        failures=entries.failed,
        skipped=(*entries.skipped, *_unused_aggregates(entries, chosen)),
        machine=str(context["host_name"]) if context.get("host_name") else None,
        fingerprint={
            "source": "google-benchmark",
            "cpu_model": _cpu(context),
            "num_cpus": context.get("num_cpus"),
            "mhz_per_cpu": context.get("mhz_per_cpu"),
            "cpu_scaling_enabled": context.get("cpu_scaling_enabled"),
        },
    )


def _cpu(context: dict) -> str:
    """Google Benchmark names no CPU model, so the machine is described by its CPU count and clock.
    With frequency scaling on, the clock it reads is the current one, which moves from run to run:
    then the count alone, so that the same machine stays one environment."""
    scaling = context.get("cpu_scaling_enabled") is True
    return cpu_description(context.get("num_cpus"), None if scaling else context.get("mhz_per_cpu"))


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
            (aggregates if kind == "aggregate" else runs)[name].append({"aggregate_name": aggregate, **b, "_index": i})
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
    if "big_o" in b or "rms" in b:  # a complexity fit under a name of its own
        return name, "aggregate", "BigO" if "big_o" in b else "RMS"
    return name, "iteration", ""


def _chosen(name: str, entries: _Entries) -> list[dict]:
    """The entries whose times are a run name's samples: its runs, else one mean or median."""
    stand_ins = [a for a in entries.aggregates.get(name, []) if a["aggregate_name"] in STAND_INS]
    return entries.runs.get(name) or stand_ins[:1]


def _unused_aggregates(entries: _Entries, chosen: dict[str, list[dict]]) -> Iterator[Failed]:
    """Aggregates left out, one record each so that the import's ``skipped`` count says so."""
    for name, aggregates in sorted(entries.aggregates.items()):
        scenario, params = scenario_name(name)
        for a in aggregates:
            if not any(a is c for c in chosen.get(name, [])):
                reason = f"benchmarks[{a['_index']}]: the {a['aggregate_name'] or 'aggregate'} of {name}, not a run"
                yield Failed(scenario, reason, params)


def _points(chosen: dict[str, list[dict]]) -> Iterator[Point]:
    for name, entries in chosen.items():
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
