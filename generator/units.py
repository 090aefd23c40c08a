"""One unit layer for every importer and the runner: times in seconds, sizes in bytes, rates per second.

Tools print the same quantity in many spellings (``us``, ``µs``, ``usec``; ``ops/sec``,
``ops/s``) and some switch the scale with the magnitude (Catch2 prints ``950 us`` and then
``1.02 ms``). A series is compared as numbers, so every value is stored in one canonical unit
per dimension, and the better direction is inferred from the unit and the name by one rule.

Sizes follow SI (``kB`` = 1000 bytes, ``KiB`` = 1024); a tool that means binary multiples by
``KB`` (wrk does) says so with ``binary_sizes=True``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from perfpages.model import Direction

SECONDS = {
    "ns": 1e-9,
    "nsec": 1e-9,
    "nanoseconds": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "usec": 1e-6,
    "microseconds": 1e-6,
    "ms": 1e-3,
    "msec": 1e-3,
    "milliseconds": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "min": 60.0,
    "h": 3600.0,
}
_SI = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_BINARY = {"": 1.0, "K": 1024.0, "M": 1024.0**2, "G": 1024.0**3, "T": 1024.0**4}
_SIZE = re.compile(r"^([kKMGT]?)(i?)(B|bytes?)$")
# Something per something: a rate when ``per`` is a time ("ops/sec", "req/s", "MB/s", "1/s"),
# else a time or size per operation ("ns/op", "B/op") or a unit of its own ("allocs/op").
_RATE = re.compile(r"^(?P<what>[^/]+?)\s*/\s*(?P<per>[A-Za-zµμ]+)$")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words of names and units where more is better, and of counts of things that went wrong, which
# are lower-is-better whatever their unit (an error rate is a rate too). Matched as whole words of
# the name (split at separators and camelCase humps), so "transmission" holds no "miss".
_HIGHER_WORDS = _word_set("throughput ops iops rps qps tps fps bps kbps mbps gbps bandwidth speedup hit hits")
_FAULT_WORDS = _word_set(
    "error errors err errs fail fails failed failure failures timeout timeouts drop drops dropped"
    " miss misses missed reject rejects rejected retry retries non2xx"
)
_PER_SECOND = re.compile(r"(^|_)per_?(s|sec|secs|second|seconds)$")
# Counts that a tool scales with an SI prefix inside a rate: "Kops/s", "Mreq/s".
_COUNTS = _word_set("op ops req reqs request requests msg msgs message messages item items event events call calls")


def _words(text: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", spaced) if w]
    return [*words, *("non2xx" for a, b in itertools.pairwise(words) if (a, b) == ("non", "2xx"))]


@dataclass(frozen=True)
class Canonical:
    """What a source unit becomes: multiply a value by ``factor`` to get it in ``unit``."""

    unit: str
    factor: float
    dimension: str  # "time", "size", "rate" or "other"


def canonical(unit: str, binary_sizes: bool = False) -> Canonical:
    """The canonical form of ``unit``: ``ms`` -> (s, 1e-3), ``MiB`` -> (bytes, 1048576),
    ``ops/sec`` -> (ops/s, 1), ``MB/s`` -> (bytes/s, 1e6), ``ops/ms`` -> (ops/s, 1000).
    A unit it does not know is kept as it is, with factor 1 and dimension ``other``."""
    text = unit.strip()
    if text in SECONDS:
        return Canonical("s", SECONDS[text], "time")
    if size := _size(text, binary_sizes):
        return Canonical("bytes", size, "size")
    match = _RATE.match(text)
    per_thing = bool(match) and match.group("per") not in SECONDS
    if per_thing and match.group("what") in SECONDS:
        return Canonical("s", SECONDS[match.group("what")], "time")  # ns/op, ns/iter: a time per operation
    if per_thing and (size := _size(match.group("what"), binary_sizes)):
        return Canonical("bytes", size, "size")  # B/op: a size per operation
    if match and match.group("per") in SECONDS:
        per = SECONDS[match.group("per")]
        what = match.group("what").strip()
        if size := _size(what, binary_sizes):
            return Canonical("bytes/s", size / per, "rate")
        if what[:1] and what[:1] in _SI and what[1:] in _COUNTS:
            return Canonical(f"{what[1:]}/s", _SI[what[:1]] / per, "rate")  # Kops/s -> ops/s x 1000
        return Canonical(f"{what}/s", 1.0 / per, "rate")
    return Canonical(text, 1.0, "other")


def _size(text: str, binary_sizes: bool) -> float | None:
    match = _SIZE.match(text)
    if not match:
        return None
    prefix, binary, _ = match.groups()
    if prefix == "k" and binary:
        return None  # "kiB" is no unit
    table = _BINARY if binary or (binary_sizes and prefix) else _SI
    return table[prefix.upper() if table is _BINARY else prefix]


@dataclass(frozen=True)
class Value:
    value: float
    unit: str


def normalise(value: float, unit: str, binary_sizes: bool = False) -> Value:
    """``value`` in ``unit`` as the same quantity in the canonical unit."""
    target = canonical(unit, binary_sizes)
    return Value(value * target.factor, target.unit)


def in_seconds(value: float, unit: str) -> float:
    """A time in seconds; a unit that is not a time is a KeyError."""
    return value * SECONDS[unit]


def direction(unit: str, name: str = "") -> Direction:
    """Which way is better, from the unit and the metric's or benchmark's name, the same way for
    every importer: counts and rates of errors are lower-is-better; rates (``req/s``, ``ops/s``,
    ``bytes/s``), throughput-like words (``ops``, ``rps``, ``fps``, ``Mbps``, ``throughput``) and
    names ending in ``per_s``/``per_second`` are higher-is-better; everything else (times,
    sizes, counts) is lower-is-better."""
    words = {*_words(name), *_words(unit)}
    if words & _FAULT_WORDS:
        return Direction.LOWER
    spaced = "_".join(_words(name))
    if canonical(unit).dimension == "rate" or words & _HIGHER_WORDS or _PER_SECOND.search(spaced):
        return Direction.HIGHER
    return Direction.LOWER
