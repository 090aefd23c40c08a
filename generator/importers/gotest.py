"""``go test -bench`` text output, with ``-benchmem`` columns and ``-count`` repetitions.

``BenchmarkName-8  1000000  1234 ns/op  56 MB/s  128 B/op  2 allocs/op``: every
repetition of a name adds a sample to each of its metrics. ``pkg:`` lines prefix
the names; ``goos``, ``goarch`` and ``cpu`` go to the fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from generator.importers.base import FormatError, Item, Point, Problem, SourceRun, files, read_text, scenario_name
from generator.model import Direction

LINE = re.compile(r"^(Benchmark\S+?)(?:-(\d+))?\s+(\d+)\s+(.*)$")
METRICS = {  # unit -> (metric, unit kept, factor, direction)
    "ns/op": ("time", "s", 1e-9, Direction.LOWER),
    "MB/s": ("throughput", "MB/s", 1.0, Direction.HIGHER),
    "B/op": ("allocated", "bytes", 1.0, Direction.LOWER),
    "allocs/op": ("allocations", "allocs/op", 1.0, Direction.LOWER),
}


def read(paths: list[Path]) -> Iterator[Item]:
    for path in files(paths, "*.txt"):
        try:
            text = read_text(path)
        except FormatError as exc:
            yield Problem(str(path), exc.place, exc.message)
            continue
        samples: dict[tuple, list[float]] = defaultdict(list)
        fingerprint = {"source": "go test -bench"}
        package = ""
        for number, line in enumerate(text.splitlines(), start=1):
            key, _, value = line.partition(":")
            if key in ("goos", "goarch", "cpu", "pkg") and value:
                fingerprint["cpu_model" if key == "cpu" else key] = value.strip()
                package = value.strip() if key == "pkg" else package
                continue
            match = LINE.match(line)
            if not match:
                continue
            pairs = match.group(4).split()
            if len(pairs) % 2:
                yield Problem(str(path), f"line {number}", "expected value-unit pairs after the iteration count")
                continue
            name = f"{package}/{match.group(1)}" if package else match.group(1)
            for value_text, unit in zip(pairs[::2], pairs[1::2], strict=True):
                try:
                    value = float(value_text)
                except ValueError:
                    yield Problem(str(path), f"line {number}", f"expected a number before {unit!r}")
                    continue
                metric, kept, factor, direction = METRICS.get(
                    unit, (unit.replace("/", "_per_"), unit, 1.0, Direction.LOWER)
                )
                samples[(name, metric, kept, direction)].append(value * factor)
        points = []
        for (name, metric, unit, direction), values in sorted(samples.items(), key=lambda kv: kv[0][:3]):
            scenario, params = scenario_name(name)
            metric_name, _ = scenario_name(metric)
            points.append(Point(scenario, metric_name, unit, direction, tuple(values), params))
        if points:
            digest = hashlib.sha1(text.encode()).hexdigest()
            yield SourceRun(identity=f"{path.name}\n{digest}", points=tuple(points), fingerprint=fingerprint)
        else:
            yield Problem(str(path), "(file)", "expected `BenchmarkName-N  iterations  value unit ...` lines")
