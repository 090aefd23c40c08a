"""criterion.rs: ``target/criterion/<group>/<function>/<value>/new/{benchmark,estimates,sample}.json``.

``sample.json`` holds each sample's total time and iteration count; time per iteration
is kept as the samples. Without it, the mean estimate is the value and its
confidence interval (95% unless the run said otherwise) the spread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from perfpages.importers.base import (
    FormatError,
    Item,
    Point,
    Problem,
    SourceRun,
    finite_samples,
    read_json,
    require,
    scenario_name,
)
from perfpages.model import Direction, Spread


def read(paths: list[Path]) -> Iterator[Item]:
    for root in paths:
        estimates = sorted(root.rglob("new/estimates.json")) if root.is_dir() else [root]
        if not estimates:
            yield Problem(str(root), "(folder)", "expected criterion output: <benchmark>/new/estimates.json files")
            continue
        points, digest = [], hashlib.sha1()
        for path in estimates:
            try:
                points.append(_point(path.parent, root if root.is_dir() else path.parent.parent.parent))
                digest.update(path.read_bytes())
            except FormatError as exc:
                yield Problem(str(path), exc.place, exc.message)
        if points:
            yield SourceRun(
                identity=f"{root.name}\n{digest.hexdigest()}", points=tuple(points), fingerprint={"source": "criterion"}
            )


def _point(new: Path, root: Path) -> Point:
    """``new`` is one benchmark's ``new/`` folder; without benchmark.json its path names it."""
    ids = read_json(new / "benchmark.json") if (new / "benchmark.json").is_file() else {}
    group = str(ids.get("group_id") or new.parent.relative_to(root))
    scenario, params = scenario_name(group)
    params += tuple(
        (k, str(ids[key])) for k, key in (("function", "function_id"), ("value", "value_str")) if ids.get(key)
    )
    if (new / "sample.json").is_file():
        sample = read_json(new / "sample.json")
        iters, times = _sample_columns(sample)
        require(len(iters) == len(times), "times", "expected one time per iteration count")
        samples = tuple(t / n * 1e-9 for t, n in zip(times, iters, strict=True) if n > 0)
        return Point(scenario, "time", "s", Direction.LOWER, samples, params)
    doc = read_json(new / "estimates.json")
    # criterion 0.2 wrote the estimates capitalised ("Mean", "Median"); 0.3+ lowercase.
    mean = (doc.get("mean") or doc.get("Mean")) if isinstance(doc, dict) else None
    require(isinstance(mean, dict), "mean", "expected the mean estimate")
    (value,) = finite_samples([mean.get("point_estimate")], "mean.point_estimate")
    ci = mean.get("confidence_interval") or {}
    spread = None
    if isinstance(ci.get("lower_bound"), int | float) and isinstance(ci.get("upper_bound"), int | float):
        kind = "ci99" if ci.get("confidence_level") == 0.99 else "ci95"
        spread = Spread(kind, ci["lower_bound"] * 1e-9, ci["upper_bound"] * 1e-9)
    return Point(scenario, "time", "s", Direction.LOWER, (value * 1e-9,), params, spread)


def _sample_columns(sample) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Iteration counts and total times: ``{iters, times}`` (criterion 0.3+), or the pair of
    arrays ``[[iters...], [times...]]`` that criterion 0.2 wrote."""
    if isinstance(sample, list) and len(sample) == 2:
        sample = {"iters": sample[0], "times": sample[1]}
    require(isinstance(sample, dict), "(top)", "expected {iters, times} (criterion 0.3+) or [iters, times] (0.2)")
    return finite_samples(sample.get("iters") or [], "iters"), finite_samples(sample.get("times") or [], "times")
