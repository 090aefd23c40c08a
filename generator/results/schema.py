"""Validate a results document: JSON syntax, schema version, JSON Schema, then meaning.

Format history (bump SCHEMA_VERSION and add an upgrade step for every change):

    1 - perfpages 0.1: first version. One run per file; raw samples per
        (scenario, params, commit, metric); commit metadata keyed by full SHA.

Older files are upgraded in memory by the functions in UPGRADES; a file from a
newer perfpages is refused with a hint to upgrade.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain, islice
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from perfpages.model import instant
from perfpages.render.escape import one_line
from perfpages.results import limits
from perfpages.results.codec import SCHEMA_VERSION
from perfpages.results.fastcheck import ecma_pattern, entry_check

TIME_UNITS = {"s", "ms", "us", "µs", "ns"}
BUILTIN_NON_NEGATIVE = {"wall_time", "cpu_time", "max_rss", "instructions"}
DATE_KEYS = ("author_date", "committer_date")
# version -> function turning a document of that version into the next one.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


@dataclass(frozen=True)
class Problem:
    """One finding, printed as ``path: field: message``."""

    path: str
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        # One line of visible text: a key or file name from a results file must not start a line of a
        # CI log (a GitHub Actions "::error" command) or send escape sequences to a terminal.
        return one_line(f"{self.path}: {self.field}: {self.message}")

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "field": self.field, "message": self.message, "severity": self.severity}


def _ecma_pattern(validator, pattern: str, instance: Any, schema: dict) -> Iterator[ValidationError]:
    """jsonschema's ``pattern`` with ``$`` as JSON Schema (ECMA-262) means it: the end of the text."""
    if validator.is_type(instance, "string") and not ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@cache
def _validator() -> Draft202012Validator:
    text = resources.files("perfpages.results").joinpath(f"results-v{SCHEMA_VERSION}.schema.json").read_text()
    return _Validator(json.loads(text))


def schema_document() -> dict[str, Any]:
    return _validator().schema


def parse_and_validate(text: str, path: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse results-file text. Returns the (upgraded) document, or None, and every problem found."""
    try:
        limited = limits.parse(text)
    except json.JSONDecodeError as exc:
        hint = "the file is truncated or damaged; restore it with `git checkout -- <file>` or delete the run"
        return None, [Problem(path, f"line {exc.lineno} column {exc.colno}", f"invalid JSON ({exc.msg}); {hint}")]
    except limits.TooDeep as exc:
        message = f"arrays and objects nested more than {limits.MAX_DEPTH} levels deep; this is not a run file"
        return None, [Problem(path, f"line {exc.line} column {exc.column}", message)]
    doc = limited.doc
    plain = _plain_entries(doc)
    problems = _limit_problems(limited, plain, path)
    if problems:
        return None, problems
    parsed = doc
    doc, version_problems = _upgrade(doc, path)
    if doc is None:
        return None, version_problems
    problems = validate_document(doc, path, plain if doc is parsed else None)
    return (doc if not problems else None), problems


def _limit_problems(limited: limits.Limited, plain: bool, path: str) -> list[Problem]:
    """Limits broken anywhere. Result entries the compiled check accepted have a known shape, so
    only their strings can break one, and only when the text showed long or odd strings."""
    doc = limited.doc
    if limited.marked or not plain:
        found = limits.problems(doc)
    else:
        found = limits.problems({k: v for k, v in doc.items() if k != "results"})
        if limited.long_or_odd_text:
            found = chain(found, limits.entry_text_problems(doc["results"]))
    return _capped([Problem(path, field, message) for field, message in islice(found, MAX_PROBLEMS + 1)], path)


MAX_PROBLEMS = 20  # per file: a file with 5 million NaN samples must not print 5 million lines


def _capped(problems: list[Problem], path: str) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = Problem(path, "(file)", f"more problems than the first {MAX_PROBLEMS} shown; fix these and check again")
    return [*problems[:MAX_PROBLEMS], more]


def validate_document(doc: dict[str, Any], path: str, plain: bool | None = None) -> list[Problem]:
    """Schema and consistency problems of a parsed, current-version document with finite numbers.

    ``plain``: whether the compiled check accepted every result entry, if already known."""
    plain = _plain_entries(doc) if plain is None else plain
    results = doc.get("results") if isinstance(doc, dict) else None
    # The schema still judges one entry and everything else; a file with any odd entry is
    # judged whole, so every message jsonschema gives is kept.
    target = {**doc, "results": results[:1]} if plain and isinstance(results, list) and len(results) > 1 else doc
    problems = [_schema_problem(err, path) for err in islice(_validator().iter_errors(target), MAX_PROBLEMS + 1)]
    return _capped(problems or list(islice(_semantic_problems(doc, path), MAX_PROBLEMS + 1)), path)


def _plain_entries(doc: Any) -> bool:
    """Every result entry passes the compiled check (types, patterns, finite numbers)."""
    results = doc.get("results") if isinstance(doc, dict) else None
    return isinstance(results, list) and all(map(_entry_check(), results))


@cache
def _entry_check():
    return entry_check(_validator().schema)


def _upgrade(doc: Any, path: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    version = doc.get("schema_version") if isinstance(doc, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        return None, [Problem(path, "schema_version", f"missing or not an integer; expected {SCHEMA_VERSION}")]
    if version > SCHEMA_VERSION:
        message = (
            f"written with schema version {version}, but this perfpages reads up to {SCHEMA_VERSION}; "
            "upgrade perfpages (pip install -U perfpages)"
        )
        return None, [Problem(path, "schema_version", message)]
    while version < SCHEMA_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            return None, [Problem(path, "schema_version", f"version {version} is not a known version")]
        doc = step(doc)
        version = doc["schema_version"]
    return doc, []


MAX_MESSAGE = 300  # characters: jsonschema quotes the whole wrong value, which can be 64 KiB of text


def _schema_problem(error, path: str) -> Problem:
    message = error.message if len(error.message) <= MAX_MESSAGE else error.message[: MAX_MESSAGE - 1] + "…"
    return Problem(path, _field(error.absolute_path) or "(root)", message)


def _field(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _semantic_problems(doc: dict[str, Any], path: str) -> Iterator[Problem]:
    run, commits = doc["run"], doc["commits"]
    for key in ("head", "base"):
        if run[key] and run[key] not in commits:
            yield Problem(path, f"run.{key}", f"commit {run[key]} has no entry in 'commits'")
    if (run["kind"] == "comparison") != (run["base"] is not None):
        yield Problem(path, "run.kind", "a 'comparison' run needs run.base; a 'commit' run has base null")
    elif run["base"] is not None and run["base"] == run["head"]:
        yield Problem(path, "run.base", "a comparison of a commit with itself compares nothing; base and head differ")
    sides = {run["head"], run["base"]} - {None}
    for section in ("results", "failures"):
        for i, item in enumerate(doc.get(section, ())):
            if item["commit"] not in sides:
                yield Problem(path, f"{section}[{i}].commit", "must be the run's head or base commit")
    yield from _duplicate_results(doc["results"], path)
    yield from _unreadable_times(doc, path)
    yield from _impossible_values(doc, path)


def _impossible_values(doc: dict[str, Any], path: str) -> Iterator[Problem]:
    """Values the format's meaning rules out: negative times, sizes and counts, an interval whose
    low end is above its high end, and a run that finished before it started. (An interval's low end
    may be negative: tools report mean ± sd, and a wide sd reaches below 0.)"""
    for i, result in enumerate(doc["results"]):
        non_negative = result["metric"] in BUILTIN_NON_NEGATIVE or result["unit"] in TIME_UNITS
        if non_negative:
            for j, sample in enumerate(result["samples"]):
                if sample < 0:
                    yield Problem(
                        path, f"results[{i}].samples[{j}]", f"{sample} is negative; times, sizes and counts cannot be"
                    )
        spread = result.get("spread")
        if spread is not None and spread["low"] > spread["high"]:
            yield Problem(path, f"results[{i}].spread", f"low {spread['low']} is above high {spread['high']}")
    run = doc["run"]
    try:
        backwards = instant(run["finished_at"]) < instant(run["started_at"])
    except ValueError:
        return  # _unreadable_times names it
    if backwards:
        yield Problem(path, "run.finished_at", "is before run.started_at; a run cannot end before it starts")


def _unreadable_times(doc: dict[str, Any], path: str) -> Iterator[Problem]:
    """Times order history, compared as instants, so each must be one (a commit may lack its dates)."""
    fields = [(f"run.{k}", doc["run"][k], False) for k in ("started_at", "finished_at")]
    fields += [(f"commits.{sha}.{k}", c[k], True) for sha, c in doc["commits"].items() for k in DATE_KEYS]
    for field, stamp, optional in fields:
        if optional and stamp == "":
            continue
        try:
            instant(stamp)
        except ValueError:
            yield Problem(path, field, f"{stamp!r} is not an ISO 8601 time; write e.g. 2026-11-21T12:00:00+09:00")


def _duplicate_results(results: list[dict[str, Any]], path: str) -> Iterator[Problem]:
    seen: dict[tuple, int] = {}
    for i, r in enumerate(results):
        key = (r["scenario"], tuple(sorted(r["params"].items())), r["commit"], r["metric"])
        if key in seen:
            yield Problem(path, f"results[{i}]", f"repeats results[{seen[key]}]; merge the samples into one entry")
        seen.setdefault(key, i)
