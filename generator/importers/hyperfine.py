"""hyperfine ``--export-json``: one result per command, with every run's time in ``times``."""

from __future__ import annotations

from collections.abc import Iterator
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


def read(paths: list[Path]) -> Iterator[Item]:
    return single_runs(paths, "*.json", _run)


def _run(path: Path, text: str, identity: str) -> SourceRun:
    doc = parse_json(text)
    require_member(doc, "results", list, "expected a list (hyperfine 1.x --export-json)")
    points, failures = [], []
    for i, result in enumerate(doc["results"]):
        failed = _result(result, f"results[{i}]", points)
        if failed is not None:
            failures.append(failed)
    return SourceRun(
        identity=identity, points=tuple(points), failures=tuple(failures), fingerprint={"source": "hyperfine"}
    )


def _result(result, place: str, points: list[Point]) -> Failed | None:
    """Add one command's points; return its failure when some of its runs exited non-zero.

    With ``--ignore-failure`` hyperfine times failed runs too (a build that stops after 0.3 s
    looks 130x faster), and ``exit_codes`` (hyperfine 1.12+) says which runs failed; a run killed
    by a signal has no code (null). Only runs that exited 0 are samples. ``user`` and ``system``
    are means over every run, failed ones included, so they are kept only when none failed."""
    require(isinstance(result, dict) and "command" in result, place, "expected an object with command and times")
    scenario, extra = scenario_name(str(result["command"]))
    params = (*extra, *sorted((str(k), str(v)) for k, v in (result.get("parameters") or {}).items()))
    times = finite_samples(result.get("times") or [result.get("mean")], f"{place}.times")
    codes = result.get("exit_codes")
    bad = []
    if isinstance(codes, list):
        require(len(codes) == len(times), f"{place}.exit_codes", f"expected one exit code per time ({len(times)})")
        bad = [i for i, code in enumerate(codes) if code != 0]
    good = tuple(t for i, t in enumerate(times) if i not in bad)
    if good:
        points.append(Point(scenario, "wall_time", "s", Direction.LOWER, good, params))
    for metric in ("user", "system"):
        if isinstance(result.get(metric), int | float) and not bad:
            value = finite_samples([result[metric]], f"{place}.{metric}")
            points.append(Point(scenario, f"{metric}_time", "s", Direction.LOWER, value, params))
    if not bad:
        return None
    shown = sorted({"killed by a signal" if codes[i] is None else f"exit code {codes[i]}" for i in bad})
    return Failed(scenario, f"{place}: {', '.join(shown)} in {len(bad)} of {len(times)} runs", params)
