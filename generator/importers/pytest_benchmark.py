"""pytest-benchmark JSON (``--benchmark-json`` or a saved ``.benchmarks/`` file).

Each benchmark has ``stats`` (min, max, mean, stddev, median, iqr, ops, rounds) and,
with ``--benchmark-save-data``, ``stats.data``: the raw round times, kept as samples.
Without them the mean is the value and mean ± stddev its spread. ``commit_info.id``
names the commit when it is a full SHA. A benchmark with ``has_error``, null ``stats`` or
zero rounds is a failure record, never samples.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from perfpages.importers.base import (
    Failed,
    FormatError,
    Item,
    Point,
    Problem,
    SourceRun,
    cpu_description,
    files,
    finite_samples,
    iso,
    read_json,
    require,
    require_member,
    scenario_name,
    stable_text,
)
from perfpages.model import CommitInfo, Direction, Spread


def read(paths: list[Path]) -> Iterator[Item]:
    for path in files(paths, "*.json"):
        try:
            yield _run(path, read_json(path))
        except FormatError as exc:
            yield Problem(str(path), exc.place, exc.message)


def _run(path: Path, doc) -> SourceRun:
    require_member(doc, "benchmarks", list, "expected a list")
    points, failures = [], []
    identities = _identities(doc["benchmarks"])
    for i, (bench, identity) in enumerate(zip(doc["benchmarks"], identities, strict=True)):
        reason = _error(bench, f"benchmarks[{i}]")
        if reason:
            failures.append(Failed(identity[0], reason, identity[1]))
        else:
            points.append(_point(bench, identity, f"benchmarks[{i}]"))
    info = doc.get("commit_info") or {}
    sha = str(info.get("id") or "")
    commit = None
    if re.fullmatch(r"[0-9a-f]{40}", sha):
        when = _when(info.get("time") or info.get("author_time"))
        commit = CommitInfo(sha=sha, author_date=when, committer_date=when)
    machine = (doc.get("machine_info") or {}).get("node")
    started = doc.get("datetime")
    return SourceRun(
        identity=f"{sha}\n{started}\n{path.name}",
        points=tuple(points),
        failures=tuple(failures),
        commit=commit,
        machine=str(machine) if machine else None,
        started_at=_when(started) or None,
        fingerprint={
            "source": "pytest-benchmark",
            "cpu_model": _cpu((doc.get("machine_info") or {}).get("cpu")),
            "python": str((doc.get("machine_info") or {}).get("python_version", "")),
        },
    )


def _cpu(cpu) -> str:
    """py-cpuinfo's model name (``brand_raw``; ``brand`` before py-cpuinfo 7), else the CPU count."""
    if not isinstance(cpu, dict):
        return ""
    return str(cpu.get("brand_raw") or cpu.get("brand") or "").strip() or cpu_description(cpu.get("count"))


def _when(text) -> str:
    try:
        return iso(str(text)) if text else ""
    except ValueError:
        return ""


def _error(bench, place: str) -> str:
    """pytest-benchmark's own failure signals: ``has_error`` (the benchmarked call raised), or no
    round timed (``stats`` null, as a benchmark disabled or errored before timing leaves it)."""
    require(isinstance(bench, dict) and "name" in bench, place, "expected an object with name and stats")
    if bench.get("has_error"):
        return f"{place}: pytest-benchmark has_error: the benchmarked code raised"
    stats = bench.get("stats")
    if stats is None or (isinstance(stats, dict) and stats.get("rounds") == 0):
        return f"{place}: no round was timed (stats {'null' if stats is None else 'with 0 rounds'})"
    return ""


def _identities(benchmarks: list) -> list[tuple[str, tuple]]:
    """Each benchmark's scenario and parameters. Parameter text is normalised (``stable_text``) so
    that a series survives a new memory address, but normalising must never merge two tests of one
    run: ``test_parse[loads0]`` and ``[loads1]`` with the same ``<built-in function loads>``, or two
    lambdas. Where it would, the tests' own ids, which pytest keeps unique and stable, keep them apart."""
    found = [_identity(b) if isinstance(b, dict) and "name" in b else ("", ()) for b in benchmarks]
    ids: dict[tuple, set[str]] = defaultdict(set)
    for bench, identity in zip(benchmarks, found, strict=True):
        ids[identity].add(_test_id(bench))
    return [
        (scenario, (*params, ("pytest_id", _test_id(bench)))) if len(ids[scenario, params]) > 1 else (scenario, params)
        for bench, (scenario, params) in zip(benchmarks, found, strict=True)
    ]


def _identity(bench: dict) -> tuple[str, tuple]:
    base = str(bench.get("fullname") or bench["name"]).split("[", 1)[0]
    scenario, extra = scenario_name(base)
    params = {str(k): stable_text(str(v)) for k, v in (bench.get("params") or {}).items()}
    return scenario, (*extra, *sorted(params.items()))


def _test_id(bench) -> str:
    """pytest's id of a parametrized test (``loads0`` in ``test_parse[loads0]``)."""
    if not isinstance(bench, dict):
        return ""
    name = str(bench.get("fullname") or bench.get("name") or "")
    return str(bench.get("param") or name.partition("[")[2].removesuffix("]") or name)


def _point(bench, identity: tuple[str, tuple], place: str) -> Point:
    require(isinstance(bench.get("stats"), dict), place, "expected an object with name and stats")
    stats = bench["stats"]
    scenario, params = identity
    data = stats.get("data")
    if isinstance(data, list) and data:
        samples, spread = finite_samples(data, f"{place}.stats.data"), None
    else:
        (mean,) = finite_samples([stats.get("mean")], f"{place}.stats.mean")
        sd = stats.get("stddev")
        samples = (mean,)
        spread = Spread("stddev", mean - sd, mean + sd) if isinstance(sd, int | float) else None
    return Point(scenario, "time", "s", Direction.LOWER, samples, params, spread)
