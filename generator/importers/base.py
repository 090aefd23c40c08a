"""What every importer yields: source runs, or problems that name the file and the place in it.

An importer reads one benchmark tool's output and yields ``SourceRun`` objects, one
per run the source recorded, without writing anything. ``convert.py`` turns them
into ordinary results files. A malformed part of a file becomes a ``Problem`` and
the importer carries on with the rest.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from perfpages.model import CommitInfo, Direction, Params, Spread
from perfpages.render.escape import one_line
from perfpages.units import direction

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-/]+")
# Text that changes from run to run though the configuration does not: a Python repr's memory
# address (``<function f at 0x7f3a...>``) and asv's wrapper for values it could not serialise.
_ADDRESS = re.compile(r"\s+at\s+0x[0-9a-fA-F]+|\b0x[0-9a-fA-F]{6,}\b")
_UNSERIALIZABLE = re.compile(r"UNSERIALIZABLE\[(.*)\]", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    file: str
    place: str  # where in the file: a JSON path, a line number, a benchmark name
    message: str  # what was expected

    def __str__(self) -> str:
        return one_line(f"{self.file}: {self.place}: {self.message}")  # as results' Problem: no log commands


@dataclass(frozen=True)
class Point:
    """One metric of one benchmark in one source run."""

    scenario: str
    metric: str
    unit: str
    direction: Direction
    samples: tuple[float, ...]
    params: Params = ()
    spread: Spread | None = None


@dataclass(frozen=True)
class Failed:
    """A benchmark the source tool itself reports as failed (an error, a non-zero exit, no
    completed request): it becomes a ``failures[]`` record of the run, never samples."""

    scenario: str
    reason: str  # the tool's own words where it gave any, and the place in the file
    params: Params = ()


@dataclass(frozen=True)
class SourceRun:
    identity: str  # stable across re-imports of the same input: it names the results file
    points: tuple[Point, ...]
    commit: CommitInfo | None = None  # when the source says which commit it measured
    machine: str | None = None  # when the source names its machine
    started_at: str | None = None  # ISO 8601, UTC
    fingerprint: dict = field(default_factory=dict)
    origin: str = ""  # the file it came from, for messages
    failures: tuple[Failed, ...] = ()
    skipped: tuple[Failed, ...] = ()  # benchmarks the tool skipped on purpose (a skip message): counted only
    # The identity imports before this one gave the run, when it could not tell a re-run of a commit
    # from the same run imported again (asv's named only machine, commit and environment): a file
    # written under it is this run only if it started at the same time (see session.py).
    earlier_identity: str = ""


Item = SourceRun | Problem


def measured(scenario: str, metric: str, unit: str, samples: tuple[float, ...], params: Params = ()) -> Point:
    """A point whose direction follows from its unit and metric name, by the shared rule."""
    return Point(scenario, metric, unit, direction(unit, metric), samples, params)


@dataclass(frozen=True)
class Report:
    """What a load generator's end-of-run report gives (wrk's text, k6's summary): its points, or
    the tool's own reason why the run measured nothing (then ``points`` is empty)."""

    points: tuple[Point, ...]
    failure: str = ""


class FormatError(ValueError):
    """Raised inside an importer for one malformed part; the caller turns it into a Problem."""

    def __init__(self, place: str, message: str):
        super().__init__(message)
        self.place, self.message = place, message


def stable_text(text: str) -> str:
    """A parameter value or name without what differs between runs of the same configuration:
    ``<function f at 0x7f3a2c>`` becomes ``<function f>``, ``UNSERIALIZABLE[x]`` becomes ``x``."""
    text = _UNSERIALIZABLE.sub(lambda m: m.group(1), text)
    return _ADDRESS.sub("", text)


def scenario_name(raw: str) -> tuple[str, Params]:
    """A results-format name for a source's benchmark name, keeping the original when it had to change.

    Names allow letters, digits and ``_ . - /``; ``bench add (10)`` becomes ``bench_add_10`` with
    the original in the ``name`` parameter, so two names that clean up alike stay apart. Memory
    addresses are left out first (see ``stable_text``)."""
    raw = stable_text(raw)
    cleaned = _NAME_UNSAFE.sub("_", raw.strip()).strip("_")
    if cleaned and cleaned[0].isalnum() and cleaned == raw:
        return raw, ()
    cleaned = cleaned.lstrip("._-/") or "benchmark"
    return cleaned, (("name", raw),)


def cpu_description(cpus: object, mhz: object = None) -> str:
    """A CPU described by what a file gives when it names no model ("8 CPUs @ 3245 MHz", "8 CPUs"),
    for the fingerprint's ``cpu_model``: the environment of a series is built from that field, so a
    run on another machine is a change of environment, not a regression. Empty when nothing is known."""
    count = _positive(cpus)
    speed = _positive(mhz)
    if count is None:
        return f"CPU @ {speed:g} MHz" if speed is not None else ""
    described = f"{count:g} CPU{'' if count == 1 else 's'}"
    return f"{described} @ {speed:g} MHz" if speed is not None else described


def _positive(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def machine_name(raw: str) -> str:
    cleaned = _NAME_UNSAFE.sub("-", raw.replace("/", "-")).strip("-._")[:64]
    return cleaned or "imported"


def finite_samples(values, place: str) -> tuple[float, ...]:
    """Numbers only; NaN, infinities and nulls are a problem, not a point."""
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise FormatError(place, f"expected finite numbers, found {value!r}")
        out.append(float(value))
    if not out:
        raise FormatError(place, "expected at least one value")
    return tuple(out)


def iso_from_millis(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(text: str) -> str:
    """An ISO 8601 time in UTC (``Z``), from the many shapes tools write."""
    stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_text(path: Path) -> str:
    """A file's text; ``.gz`` and ``.xz`` files are decompressed, as archived histories often are."""
    opener = {".gz": gzip.open, ".xz": lzma.open}.get(path.suffix, open)
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            return handle.read()
    except (OSError, EOFError, UnicodeDecodeError, lzma.LZMAError) as exc:
        raise FormatError("(file)", f"cannot read: {exc}") from None


def read_json(path: Path) -> object:
    return parse_json(read_text(path))


def parse_json(text: str) -> object:
    """Parse JSON text; a decoding error names the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None


def require_member(doc: object, key: str, kind: type, expected: str) -> None:
    """The document must be an object whose ``key`` holds a ``kind`` (a list of benchmarks, ...)."""
    require(isinstance(doc, dict) and isinstance(doc.get(key), kind), key, expected)


def single_runs(paths: list[Path], pattern: str, run: Callable[[Path, str, str], SourceRun]) -> Iterator[Item]:
    """For formats in which one file is one run: each file is read once and converted by
    ``run(path, text, identity)``. The identity is the file's name and a hash of its content,
    so importing the same file again finds the results file it wrote the first time."""
    for path in files(paths, pattern):
        try:
            text = read_text(path)
            yield run(path, text, f"{path.name}\n{hashlib.sha1(text.encode()).hexdigest()}")
        except FormatError as exc:
            yield Problem(str(path), exc.place, exc.message)


def files(paths: list[Path], pattern: str) -> Iterator[Path]:
    """The files named, and those under the folders named that match ``pattern``, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob(pattern) if p.is_file())
        else:
            yield path


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def require(condition: bool, place: str, message: str) -> None:
    if not condition:
        raise FormatError(place, message)
