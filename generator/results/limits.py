"""The limits a results file must keep, so that no file can hang, exhaust or crash a reader.

Results files come from CI runs of pull requests, so their bytes are untrusted. Each limit is far above
anything `perfpages run` or an importer writes, and each is documented in docs/results-format.md:

- a file is a regular file (not a FIFO, device, directory or symlink) of at most ``MAX_FILE_BYTES``;
- arrays and objects nest at most ``MAX_DEPTH`` levels (the document itself is level 1);
- a string (or object key) holds at most ``MAX_TEXT`` characters and no lone UTF-16 surrogate, which
  JSON's ``\\ud800`` escape can write but no UTF-8 page can hold;
- an integer has at most ``MAX_INTEGER_DIGITS`` digits, and every number is a finite 64-bit float;
- no object repeats a key (JSON parsers keep the last one, so a repeated ``"scenario"`` would silently win).

``parse`` reads the text with hooks that mark what the standard parser would accept silently or crash
on; ``problems`` walks the parsed document and names the field of each mark.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_FILE_BYTES = 64 << 20  # 64 MiB: a run of 2,000 series x 100 samples is about 5 MiB
MAX_DEPTH = 16  # the format needs 5 (root, results, entry, spread/params, value); fingerprints a few more
MAX_TEXT = 65_536  # characters: a commit subject or stderr tail is a few hundred
MAX_INTEGER_DIGITS = 19  # every 64-bit integer fits; a longer one is not a measurement

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # only an escape can put a lone surrogate in the text


@dataclass(frozen=True)
class BadNumber:
    """Stands in for a number the format refuses (NaN, Infinity, too many digits), so its field can be named."""

    token: str
    why: str


class RepeatedKeys(dict):
    """An object whose text repeated keys; ``repeated`` names them (the value kept is the last one)."""

    repeated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limited:
    """A parsed document, with what the text showed about where limits may be broken."""

    doc: Any
    marked: bool  # a repeated key or a refused number somewhere: every value must be walked
    long_or_odd_text: bool  # a string may be too long or hold a lone surrogate: every string must be looked at


class TooDeep(Exception):
    """The text nests deeper than the parser can follow; ``line`` and ``column`` are where it passes MAX_DEPTH."""

    def __init__(self, line: int, column: int):
        super().__init__(f"line {line} column {column}")
        self.line, self.column = line, column


def parse(text: str) -> Limited:
    """Parse JSON text, marking refused numbers and repeated keys instead of accepting or crashing.

    Raises json.JSONDecodeError for bad syntax and TooDeep for nesting the parser cannot follow."""
    marks: list[object] = []

    def number(token: str) -> object:
        if len(token) <= MAX_INTEGER_DIGITS:
            return int(token)
        digits = len(token) - token.startswith("-")
        if digits > MAX_INTEGER_DIGITS:
            marks.append(token)
            return BadNumber(f"{token[:12]}… ({digits} digits)", f"more than {MAX_INTEGER_DIGITS} digits")
        return int(token)

    def constant(token: str) -> object:
        marks.append(token)
        return BadNumber(token, "not a number JSON allows")

    def obj(pairs: list[tuple[str, Any]]) -> dict:
        made = dict(pairs)
        if len(made) == len(pairs):
            return made
        marks.append(pairs)
        repeated = RepeatedKeys(made)
        keys = [k for k, _ in pairs]
        repeated.repeated = tuple(sorted({k for k in keys if keys.count(k) > 1}))
        return repeated

    try:
        doc = json.loads(text, parse_int=number, parse_constant=constant, object_pairs_hook=obj)
    except RecursionError:
        raise TooDeep(*_deep_place(text)) from None
    odd = len(text) > MAX_TEXT or _SURROGATE_ESCAPE.search(text) is not None
    return Limited(doc, bool(marks), odd)


def problems(value: Any, field: str = "", depth: int = 1) -> Iterator[tuple[str, str]]:
    """(field, message) for every limit ``value`` breaks; fields read like ``results[0].samples[1]``."""
    if isinstance(value, str):
        yield from _text_problems(value, field or "(root)")
    elif isinstance(value, BadNumber):
        yield field or "(root)", f"{value.token} is {value.why}; record finite values only"
    elif isinstance(value, float) and not math.isfinite(value):
        yield field or "(root)", "number out of range; record finite values only"
    elif isinstance(value, dict | list) and depth > MAX_DEPTH:
        yield field or "(root)", f"nested more than {MAX_DEPTH} levels deep; flatten it"
    elif isinstance(value, dict):
        if isinstance(value, RepeatedKeys):
            keys = ", ".join(repr(_short(k)) for k in value.repeated[:5])
            more = f" and {len(value.repeated) - 5:,} more" if len(value.repeated) > 5 else ""
            yield field or "(root)", f"repeats the key(s) {keys}{more}; each key may appear once (the last would win)"
        for key, child in value.items():
            place = f"{field}.{_short(key)}" if field else _short(key)
            yield from _text_problems(key, f"{place} (key)")
            yield from problems(child, place, depth + 1)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from problems(child, f"{field}[{i}]", depth + 1)


def entry_text_problems(results: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """``problems`` for the strings of result entries the compiled check accepted (so of known shape).

    The same few names repeat in every entry: each distinct string is looked at once, and the
    entries are searched for a field name only when one breaks a limit."""
    seen: set[str] = set()
    for r in results:
        seen.update((r["scenario"], r["metric"], r["unit"], *r["params"], *r["params"].values()))
        seen.update(r.get("profiles", ()))
    if all(len(t) <= MAX_TEXT and _SURROGATE.search(t) is None for t in seen):
        return
    for i, r in enumerate(results):
        for key in ("scenario", "metric", "unit"):
            yield from _text_problems(r[key], f"results[{i}].{key}")
        for key, value in r["params"].items():
            yield from _text_problems(key, f"results[{i}].params (key)")
            yield from _text_problems(value, f"results[{i}].params.{_short(key)}")
        for j, name in enumerate(r.get("profiles", ())):
            yield from _text_problems(name, f"results[{i}].profiles[{j}]")


def _text_problems(text: str, field: str) -> Iterator[tuple[str, str]]:
    if len(text) > MAX_TEXT:
        yield field, f"{len(text):,} characters, over the limit of {MAX_TEXT:,}; shorten it"
    found = _SURROGATE.search(text)
    if found is not None:
        yield (
            field,
            (
                f"holds a lone surrogate (\\u{ord(found.group()):04x}) at character {found.start()}, which no UTF-8 "
                "page can show; write the character it stood for, or drop it"
            ),
        )


def _short(key: str) -> str:
    """A key as a field name: printable and short, since a key is as untrusted as a value."""
    shown = key.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return shown if len(shown) <= 60 else shown[:57] + "…"


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _deep_place(text: str) -> tuple[int, int]:
    """Line and column (1-based) of the bracket that passes MAX_DEPTH; strings are skipped."""
    depth = 0
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, token.start()) + 1
                return line, token.start() - text.rfind("\n", 0, token.start())
        elif mark in "]}":
            depth -= 1
    return 1, 1
