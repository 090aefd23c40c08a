"""A compiled check of result entries, the hot array of every results file.

A results file holds hundreds of entries and jsonschema spends about 0.1 ms on each,
which dominates a site build. This check accepts exactly the entries the schema
accepts (a test compares the two on mutated entries), taking every key list, pattern
and enum from the schema itself, and it also wants finite numbers, which JSON cannot
express but an overflowing exponent (1e999) parses to. Whatever it rejects, jsonschema
and the non-finite check in schema.py judge and explain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from math import isfinite
from typing import Any

NUMBERS = {int, float}  # JSON numbers as Python parses them; bool is its own type, so it is excluded
_DOLLAR = re.compile(r"(?<!\\)\$")


@cache
def ecma_pattern(pattern: str) -> re.Pattern:
    """A JSON Schema pattern as its ECMA-262 meaning: there ``$`` is the end of the text, while
    Python's also matches before a final newline, so "parse\\n" would pass "^[a-z]+$" and become a
    look-alike series of "parse"."""
    return re.compile(_DOLLAR.sub(r"\\Z", pattern))


def entry_check(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """A predicate for one result entry, built from the results JSON Schema."""
    item = schema["properties"]["results"]["items"]
    defs = schema["$defs"]
    required = frozenset(item["required"])
    allowed = frozenset(item["properties"])
    name = ecma_pattern(defs["name"]["pattern"])
    sha = ecma_pattern(defs["sha"]["pattern"])
    profile = ecma_pattern(item["properties"]["profiles"]["items"]["pattern"])
    max_params = defs["params"]["maxProperties"]
    directions = frozenset(item["properties"]["direction"]["enum"])
    spread_schema = item["properties"]["spread"]
    spread_keys = frozenset(spread_schema["required"])
    spread_kinds = frozenset(spread_schema["properties"]["kind"]["enum"])

    def spread_ok(spread: Any) -> bool:
        return (
            isinstance(spread, dict)
            and spread.keys() == spread_keys
            and isinstance(spread["kind"], str)
            and spread["kind"] in spread_kinds
            and type(spread["low"]) in NUMBERS
            and type(spread["high"]) in NUMBERS
            and isfinite(spread["low"])
            and isfinite(spread["high"])
        )

    # The same few names and SHAs repeat in every entry: remember the ones that matched.
    good_names: set[str] = set()
    good_shas: set[str] = set()

    def matches(pattern: re.Pattern, value: Any, good: set[str]) -> bool:
        if isinstance(value, str) and (value in good or pattern.search(value) is not None):
            good.add(value)
            return True
        return False

    def check(entry: Any) -> bool:
        if not isinstance(entry, dict) or not required <= entry.keys() <= allowed:
            return False
        scenario, metric, commit = entry["scenario"], entry["metric"], entry["commit"]
        params, unit, samples = entry["params"], entry["unit"], entry["samples"]
        profiles = entry.get("profiles", [])
        return (
            matches(name, scenario, good_names)
            and matches(name, metric, good_names)
            and matches(sha, commit, good_shas)
            and isinstance(params, dict)
            and len(params) <= max_params
            and all(isinstance(v, str) for v in params.values())
            and isinstance(unit, str)
            and len(unit) >= 1
            and isinstance(entry["direction"], str)
            and entry["direction"] in directions
            and isinstance(samples, list)
            and len(samples) >= 1
            and set(map(type, samples)) <= NUMBERS
            and all(map(isfinite, samples))  # JSON has no infinities; 1e999 parses to one
            and isinstance(profiles, list)
            and all(isinstance(p, str) and profile.search(p) is not None for p in profiles)
            and ("spread" not in entry or spread_ok(entry["spread"]))
        )

    return check
