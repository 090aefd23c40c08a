"""pyperf JSON (``-o file.json``, also ``.json.gz``): one file holds one or more benchmarks.

Every run's ``values`` (warmups excluded) are the samples. The unit comes from the
metadata (``second``, ``byte``, ``integer``); the benchmark name from the
benchmark's metadata or the file's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from perfpages.importers.base import (
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
from perfpages.model import CommitInfo, Direction

UNITS = {"second": ("time", "s"), "byte": ("memory", "bytes"), "integer": ("value", "count")}


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json*", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    require_member(doc, "benchmarks", list, "expected a list")
    top = doc.get("metadata") or {}
    sha = str(top.get("commit_id") or "")
    return SourceRun(
        identity=identity,
        points=tuple(_point(b, top, f"benchmarks[{i}]") for i, b in enumerate(doc["benchmarks"])),
        commit=CommitInfo(sha=sha) if re.fullmatch(r"[0-9a-f]{40}", sha) else None,
        machine=str(top["hostname"]) if top.get("hostname") else None,
        fingerprint={
            "source": "pyperf",
            "cpu_model": str(top.get("cpu_model_name") or "").strip() or cpu_description(top.get("cpu_count")),
            "python": str(top.get("python_version", "")),
        },
    )


def _point(bench, top: dict, place: str) -> Point:
    require(isinstance(bench, dict) and isinstance(bench.get("runs"), list), place, "expected an object with runs")
    meta = {**top, **(bench.get("metadata") or {})}
    name = meta.get("name")
    require(isinstance(name, str) and bool(name), f"{place}.metadata.name", "expected the benchmark's name")
    values = [v for r in bench["runs"] if isinstance(r, dict) for v in r.get("values") or []]
    metric, unit = UNITS.get(str(meta.get("unit", "second")), ("value", str(meta.get("unit"))))
    scenario, params = scenario_name(name)
    return Point(scenario, metric, unit, Direction.LOWER, finite_samples(values, f"{place}.runs[].values"), params)
