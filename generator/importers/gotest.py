"""``go test -bench`` text output, with ``-benchmem`` columns, ``-count`` repetitions and ``-cpu`` lists.

``BenchmarkName-8  1000000  1234 ns/op  56 MB/s  128 B/op  2 allocs/op``: every
repetition of a name adds a sample to each of its metrics. ``pkg:`` lines prefix
the names; ``goos``, ``goarch`` and ``cpu`` go to the fingerprint. Units go through the
shared unit layer (``ns/op`` -> s, ``MB/s`` -> bytes/s, ``B/op`` -> bytes), and a custom
``b.ReportMetric`` unit gets its direction from it (``req/s`` is higher-is-better).

The ``-N`` name suffix is GOMAXPROCS, which go adds only when it is not 1. It becomes the
``gomaxprocs`` parameter when a file runs one benchmark with several values (``-cpu 1,2,4``),
and is dropped when the whole file has one value; when the suffixes cannot be GOMAXPROCS
(they differ between benchmarks, or one is ``-1``), they belong to the name (``size-1024``).

``--- FAIL: BenchmarkX`` makes that benchmark a failure record, ``--- SKIP:`` leaves it out,
and a ``FAIL`` line for a package with no benchmark named as failed is a failure of the package.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from perfpages.importers.base import (
    Failed,
    FormatError,
    Item,
    Point,
    Problem,
    SourceRun,
    files,
    read_text,
    scenario_name,
)
from perfpages.units import canonical, direction

LINE = re.compile(r"^(Benchmark\S+)\s+(\d+)\s+(.*)$")
SUFFIX = re.compile(r"^(.+)-([1-9]\d*)$")
VERDICT = re.compile(r"^\s*--- (FAIL|SKIP): (Benchmark\S+)")
PACKAGE_FAIL = re.compile(r"^FAIL\s+(\S+)")
NAMED = {"ns/op": "time", "MB/s": "throughput", "B/op": "allocated", "allocs/op": "allocations"}


@dataclass(frozen=True)
class _Line:
    number: int
    package: str
    name: str  # as printed, suffix included
    pairs: tuple[str, ...]  # value, unit, value, unit...


@dataclass(frozen=True)
class _Parsed:
    lines: tuple[_Line, ...]
    verdicts: tuple[tuple[str, str, str], ...]  # (FAIL or SKIP, package, name as printed)
    failed_packages: tuple[str, ...]
    fingerprint: dict


def read(paths: list[Path]) -> Iterator[Item]:
    for path in files(paths, "*.txt"):
        try:
            text = read_text(path)
        except FormatError as exc:
            yield Problem(str(path), exc.place, exc.message)
            continue
        parsed = _parse(text)
        problems: list[Problem] = []
        mode = _suffixes(parsed)
        failures, skipped = _verdicts(parsed, mode)
        failed = {(f.scenario, f.params) for f in (*failures, *skipped)}
        points = [p for p in _points(parsed.lines, mode, str(path), problems) if (p.scenario, p.params) not in failed]
        yield from problems
        if points or failures:
            digest = hashlib.sha1(text.encode()).hexdigest()
            yield SourceRun(
                identity=f"{path.name}\n{digest}",
                points=tuple(points),
                failures=tuple(failures),
                skipped=tuple(skipped),
                fingerprint=parsed.fingerprint,
            )
        elif not problems:
            yield Problem(str(path), "(file)", "expected `BenchmarkName-N  iterations  value unit ...` lines")


def _parse(text: str) -> _Parsed:
    fingerprint = {"source": "go test -bench"}
    package = ""
    lines, verdicts, failed_packages = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        key, _, value = line.partition(":")
        if key in ("goos", "goarch", "cpu", "pkg") and value:
            fingerprint["cpu_model" if key == "cpu" else key] = value.strip()
            package = value.strip() if key == "pkg" else package
        elif match := VERDICT.match(line):
            verdicts.append((match.group(1), package, match.group(2)))
        elif match := PACKAGE_FAIL.match(line):
            failed_packages.append(match.group(1))
        elif match := LINE.match(line):
            lines.append(_Line(number, package, match.group(1), tuple(match.group(3).split())))
    return _Parsed(tuple(lines), tuple(verdicts), tuple(failed_packages), fingerprint)


@dataclass(frozen=True)
class _Suffixes:
    """How a file's names split: ``mode`` is ``param`` (several GOMAXPROCS values), ``drop`` (one
    value for the whole file) or ``name`` (the suffixes belong to the names); ``split`` maps
    (package, printed name) to (benchmark name, GOMAXPROCS or None)."""

    mode: str
    split: dict[tuple[str, str], tuple[str, str | None]]


def _suffixes(parsed: _Parsed) -> _Suffixes:
    """go prints every benchmark of a run once per ``-cpu`` value and writes no suffix for 1 (and
    so never ``-1``): the suffixes are GOMAXPROCS only if every benchmark has the same set of them.
    A printed name that is another line's name less its suffix is that benchmark at GOMAXPROCS 1."""
    printed = {(line.package, line.name) for line in parsed.lines}
    stripped = {(package, _split(name)[0]) for package, name in printed if _split(name)[1]}
    split = {key: (key[1], "1") if key in stripped else _split(key[1]) for key in printed}
    sets: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (package, _), (base, procs) in split.items():
        sets[(package, base)].add(procs or "1")
    values = {frozenset(v) for v in sets.values()}
    whole = {key: (key[1], None) for key in printed}
    if len(values) != 1 or any(_split(name)[1] == "1" for _, name in printed):
        return _Suffixes("name", whole)
    (procs_set,) = values
    if len(procs_set) > 1:
        return _Suffixes("param", split)
    if all(procs for _, procs in split.values()):
        return _Suffixes("drop", {key: (base, None) for key, (base, _) in split.items()})
    return _Suffixes("name", whole)


def _split(name: str) -> tuple[str, str | None]:
    match = SUFFIX.match(name)
    return (match.group(1), match.group(2)) if match else (name, None)


def _identity(package: str, printed: str, suffixes: _Suffixes) -> tuple[str, tuple]:
    """The scenario and parameters of a benchmark as printed. A name seen only in a FAIL or SKIP
    line is split the way the file's results are."""
    base, procs = suffixes.split.get((package, printed)) or _split_like(printed, suffixes.mode)
    scenario, params = scenario_name(f"{package}/{base}" if package else base)
    return scenario, (*params, ("gomaxprocs", procs or "1")) if suffixes.mode == "param" else params


def _split_like(printed: str, mode: str) -> tuple[str, str | None]:
    if mode == "name":
        return printed, None
    base, procs = _split(printed)
    return base, procs if mode == "param" else None


def _verdicts(parsed: _Parsed, mode: _Suffixes) -> tuple[list[Failed], list[Failed]]:
    failures, skipped, named_packages = {}, {}, set()
    for verdict, package, printed in parsed.verdicts:
        scenario, params = _identity(package, printed, mode)
        if verdict == "FAIL":
            named_packages.add(package)
            failures.setdefault((scenario, params), Failed(scenario, f"go test: --- FAIL: {printed}", params))
        else:
            skipped.setdefault((scenario, params), Failed(scenario, f"go test: --- SKIP: {printed}", params))
    for package in parsed.failed_packages:
        if package not in named_packages:
            scenario, params = scenario_name(package)
            failures.setdefault((scenario, params), Failed(scenario, f"go test: FAIL {package}", params))
    return list(failures.values()), list(skipped.values())


def _points(lines, mode: _Suffixes, path: str, problems: list[Problem]) -> Iterator[Point]:
    samples: dict[tuple, list[float]] = defaultdict(list)
    for line in lines:
        if len(line.pairs) % 2:
            problems.append(Problem(path, f"line {line.number}", "expected value-unit pairs after the iteration count"))
            continue
        scenario, params = _identity(line.package, line.name, mode)
        for value_text, unit in zip(line.pairs[::2], line.pairs[1::2], strict=True):
            try:
                value = float(value_text)
            except ValueError:
                problems.append(Problem(path, f"line {line.number}", f"expected a number before {unit!r}"))
                continue
            target = canonical(unit)
            metric = NAMED.get(unit) or scenario_name(unit.replace("/", "_per_"))[0]
            samples[(scenario, params, metric, target.unit, direction(unit, metric))].append(value * target.factor)
    for (scenario, params, metric, unit, better), values in sorted(samples.items(), key=lambda kv: kv[0][:3]):
        yield Point(scenario, metric, unit, better, tuple(values), params)
