"""``go test -bench`` text output, with ``-benchmem`` columns, ``-count`` repetitions and ``-cpu`` lists.

``BenchmarkName-8  1000000  1234 ns/op  56 MB/s  128 B/op  2 allocs/op``: every
repetition of a name adds a sample to each of its metrics. ``pkg:`` lines prefix
the names; ``goos``, ``goarch`` and ``cpu`` go to the fingerprint. Units go through the
shared unit layer (``ns/op`` -> s, ``MB/s`` -> bytes/s, ``B/op`` -> bytes), and a custom
``b.ReportMetric`` unit gets its direction from it (``req/s`` is higher-is-better).

The ``-N`` name suffix is GOMAXPROCS, which go adds only when it is not 1, but only where the
file proves it (a top-level name, a name printed bare and suffixed, or one suffix on every line of
two benchmarks); elsewhere it belongs to the name (``size-1024``). Proven, it becomes the
``gomaxprocs`` parameter when the file has several values (``-cpu 1,2,4``), and is dropped when
the whole file has one.

``--- FAIL: BenchmarkX`` (on a line of its own, or after the name on the result line, where go
prints a failure during the run) or a panic there makes that benchmark a failure record, with the
log lines indented under it as the reason; ``--- SKIP:`` leaves it out, and a ``FAIL`` line for a
package with no benchmark named as failed is a failure of the package.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
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
    files,
    read_text,
    scenario_name,
)
from perfpages.units import canonical, direction

LINE = re.compile(r"^(Benchmark\S+)\s+(\d+)\s+(.*)$")
SUFFIX = re.compile(r"^(.+)-([1-9]\d*)$")
VERDICT = re.compile(r"^(?:Benchmark\S+)?\s*--- (FAIL|SKIP): (Benchmark\S+)")
PANIC = re.compile(r"^(Benchmark\S+)\s+(panic: .*)$")
LOG = re.compile(r"^\s+(?!--- )\S")  # the indented b.Log / b.Fatal lines under a FAIL or SKIP line
LOG_LINES = 3  # of them kept in a failure's reason; the rest are counted
PACKAGE_FAIL = re.compile(r"^FAIL\s+(\S+)")
NAMED = {"ns/op": "time", "MB/s": "throughput", "B/op": "allocated", "allocs/op": "allocations"}


@dataclass(frozen=True)
class _Line:
    number: int
    package: str
    name: str  # as printed, suffix included
    pairs: tuple[str, ...]  # value, unit, value, unit...


@dataclass(frozen=True)
class _Verdict:
    kind: str  # FAIL or SKIP
    package: str
    name: str  # as printed, suffix included
    said: str  # the verdict, or the panic message
    log: tuple[str, ...] = ()  # the lines indented under a verdict: the benchmark's own b.Log / b.Fatal

    @property
    def reason(self) -> str:
        shown = "; ".join(self.log[:LOG_LINES])
        more = f" (and {len(self.log) - LOG_LINES} more log lines)" if len(self.log) > LOG_LINES else ""
        return f"go test: {self.said}: {shown}{more}" if shown else f"go test: {self.said}"


@dataclass(frozen=True)
class _Parsed:
    lines: tuple[_Line, ...]
    verdicts: tuple[_Verdict, ...]
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
    logging = False  # whether indented lines are the log of the verdict just read
    for number, line in enumerate(text.splitlines(), start=1):
        if logging and LOG.match(line):
            verdicts[-1] = replace(verdicts[-1], log=(*verdicts[-1].log, line.strip()))
            continue
        key, _, value = line.partition(":")
        logging = False
        if key in ("goos", "goarch", "cpu", "pkg") and value:
            fingerprint["cpu_model" if key == "cpu" else key] = value.strip()
            package = value.strip() if key == "pkg" else package
        elif verdict := _verdict(line, package):
            verdicts.append(verdict)
            logging = verdict.said.startswith("---")
        elif match := PACKAGE_FAIL.match(line):
            failed_packages.append(match.group(1))
        elif match := LINE.match(line):
            lines.append(_Line(number, package, match.group(1), tuple(match.group(3).split())))
    return _Parsed(tuple(lines), tuple(verdicts), tuple(failed_packages), fingerprint)


def _verdict(line: str, package: str) -> _Verdict | None:
    """A ``--- FAIL:`` or ``--- SKIP:`` line, or a benchmark that panicked. go prints a benchmark's
    name before running it, so its verdict or panic may follow on the same line as the name
    (``BenchmarkGet-8   --- FAIL: BenchmarkGet-8``) instead of a result."""
    if match := VERDICT.match(line):
        return _Verdict(match.group(1), package, match.group(2), f"--- {match.group(1)}: {match.group(2)}")
    if match := PANIC.match(line):
        return _Verdict("FAIL", package, match.group(1), match.group(2).strip())
    return None


@dataclass(frozen=True)
class Suffixes:
    """How a file's names split: ``mode`` is ``param`` (several GOMAXPROCS values), ``drop`` (one
    value for the whole file) or ``name`` (the suffixes belong to the names); ``split`` maps
    (package, printed name) to (benchmark name, GOMAXPROCS or None)."""

    mode: str
    split: dict[tuple[str, str], tuple[str, str | None]]

    def name(self, package: str, printed: str) -> tuple[str, str | None]:
        """A printed name's benchmark name, and its ``gomaxprocs`` parameter when the file has several."""
        base, procs = self.split[(package, printed)]
        return base, procs if self.mode == "param" else None


def _suffixes(parsed: _Parsed) -> Suffixes:
    printed = {(line.package, line.name) for line in parsed.lines} | {(v.package, v.name) for v in parsed.verdicts}
    return suffixes(printed, {line.name for line in parsed.lines})


def suffixes(printed: set[tuple[str, str]], result_names: set[str]) -> Suffixes:
    """How the (package, name) pairs go printed are split. A ``-N`` ending is GOMAXPROCS only where the
    names prove it (see ``_gomaxprocs``); a sub-benchmark's own name may end in ``-1024``, and eating
    it would merge or rename series. ``result_names`` are those printed with a result."""
    whole = {key: (key[1], None) for key in printed}
    values = _gomaxprocs(printed, result_names)
    split = {key: _split_by(key, values, printed) for key in printed} if values else {}
    if not values or values == {"1"} or None in split.values():
        return Suffixes("name", whole)
    if len(values) > 1:
        return Suffixes("param", split)
    return Suffixes("drop", {key: (base, None) for key, (base, _) in split.items()})


def _gomaxprocs(printed: set[tuple[str, str]], result_names: set[str]) -> set[str]:
    """The GOMAXPROCS values the file shows it ran with, from what go does: it appends ``-N`` to
    every name unless N is 1, and a top-level name is a Go function name, which has no ``-``.
    So a top-level name proves its value (no suffix: 1); a name printed both bare and with
    ``-N`` proves 1 and N (``-cpu 1,2,4``); and every result line of two or more benchmarks
    ending in the same ``-N`` is the machine's GOMAXPROCS. Nothing else is proof."""
    values: set[str] = set()
    for package, name in printed:
        base, procs = _split(name)
        if "/" not in name:
            values.add(procs or "1")
        elif procs and (package, base) in printed:
            values |= {"1", procs}
    endings = {_split(name)[1] for name in result_names}
    if len(result_names) > 1 and len(endings) == 1 and None not in endings:
        values |= endings
    return values


def _split_by(key: tuple[str, str], values: set[str], printed: set) -> tuple[str, str] | None:
    """(benchmark name, GOMAXPROCS) of a printed name, given the file's GOMAXPROCS values, or None
    when the name fits none of them (the file contradicts itself: then no name is split)."""
    package, name = key
    base, procs = _split(name)
    # With 1 among the values, ``X/size-2`` may be ``X/size-2`` at 1: it is ``X/size`` at 2 only
    # if ``X/size`` itself was printed (go prints every benchmark at every value) or is top-level.
    if procs in values and procs != "1" and ("1" not in values or (package, base) in printed or "/" not in base):
        return base, procs
    return (name, "1") if "1" in values else None


def _split(name: str) -> tuple[str, str | None]:
    match = SUFFIX.match(name)
    return (match.group(1), match.group(2)) if match else (name, None)


def _identity(package: str, printed: str, suffixes: Suffixes) -> tuple[str, tuple]:
    """The scenario and parameters of a benchmark as printed (in a result, FAIL or SKIP line)."""
    base, procs = suffixes.name(package, printed)
    scenario, params = scenario_name(f"{package}/{base}" if package else base)
    return scenario, (*params, ("gomaxprocs", procs)) if procs else params


def _verdicts(parsed: _Parsed, mode: Suffixes) -> tuple[list[Failed], list[Failed]]:
    failures, skipped, named_packages = {}, {}, set()
    for verdict in parsed.verdicts:
        scenario, params = _identity(verdict.package, verdict.name, mode)
        target = failures if verdict.kind == "FAIL" else skipped
        if verdict.kind == "FAIL":
            named_packages.add(verdict.package)
        target.setdefault((scenario, params), Failed(scenario, verdict.reason, params))
    for package in parsed.failed_packages:
        if package not in named_packages:
            scenario, params = scenario_name(package)
            failures.setdefault((scenario, params), Failed(scenario, f"go test: FAIL {package}", params))
    return list(failures.values()), list(skipped.values())


def _points(lines, mode: Suffixes, path: str, problems: list[Problem]) -> Iterator[Point]:
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
