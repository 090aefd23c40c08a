"""A run's environment: what, besides the code, sets a benchmark's level.

Runs in different environments (another CPU, kernel, governor or perfpages version) do not
compare: the change of environment moves the value by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from perfpages.model import RunRecord

ENVIRONMENT_FIELDS = ("cpu_model", "kernel", "governor")
# Fingerprint fields that differ from run to run by nature; a difference in them says nothing.
VOLATILE_FIELDS = ("load_average",)
SEPARATOR = " | "
# A field the fingerprint lacks or leaves empty (imported histories often have no kernel or governor):
# a word a reader understands, where str(None) would print Python's "None".
UNKNOWN = "unknown"


def environment_of(record: RunRecord) -> str:
    """The environment as one string: the fingerprint's fields, then the perfpages version."""
    fp = record.fingerprint
    parts = [_field(fp.get(field)) for field in ENVIRONMENT_FIELDS]
    return SEPARATOR.join([*parts, f"perfpages {record.tool_version}"])


def _field(value: object) -> str:
    found = "" if value is None else str(value).strip()
    return found or UNKNOWN


def describe(environment: str) -> str:
    """An environment for a reader: "cpu_model: Intel Xeon · kernel: 6.1 · governor: performance · perfpages 0.2"."""
    parts = environment.split(SEPARATOR)
    if len(parts) != len(ENVIRONMENT_FIELDS) + 1:
        return environment
    named = [f"{name}: {value}" for name, value in zip(ENVIRONMENT_FIELDS, parts, strict=False)]
    return " · ".join([*named, parts[-1]])


def environment_change(before: str, after: str) -> str:
    """What differs between two environments, e.g. "cpu_model: Intel Xeon → AMD EPYC"."""
    names = [*ENVIRONMENT_FIELDS, "version"]
    old, new = before.split(SEPARATOR), after.split(SEPARATOR)
    if len(old) != len(names) or len(new) != len(names):
        return f"{before} → {after}"
    return "; ".join(f"{name}: {a} → {b}" for name, a, b in zip(names, old, new, strict=True) if a != b)


def environment_spread(environments: list[str]) -> str:
    """The fields that differ among several environments, e.g. "cpu_model: AMD EPYC / Intel Xeon"."""
    names = [*ENVIRONMENT_FIELDS, "version"]
    split = [e.split(SEPARATOR) for e in environments]
    if any(len(parts) != len(names) for parts in split):
        return " / ".join(environments)
    values = [list(dict.fromkeys(parts[i] for parts in split)) for i in range(len(names))]
    return "; ".join(f"{name}: {' / '.join(v)}" for name, v in zip(names, values, strict=True) if len(v) > 1)


def fingerprint_change(before: Mapping[str, object], after: Mapping[str, object]) -> str:
    """What differs between two runs' fingerprints besides what changes every run, e.g.
    "python: 3.11.7 → 3.12.1; turbo: False → True"; "" when nothing does.

    The environment fields above split a series into segments, so no level shift spans them;
    the others (turbo, SMT, Python, OS...) do not, and a shift of many series at once is often
    one of them changing."""
    names = sorted((set(before) | set(after)) - set(VOLATILE_FIELDS))
    changed = [name for name in names if before.get(name) != after.get(name)]
    return "; ".join(f"{name}: {before.get(name, '–')} → {after.get(name, '–')}" for name in changed)


def fingerprints_by_commit(runs: Iterable[RunRecord]) -> dict[tuple[str, str], Mapping[str, object]]:
    """(machine, commit) -> the fingerprint of the machine's newest run of that commit on main (the
    last in ``runs``; an interleaved A/B run measured two commits at once and is left out)."""
    return {(r.machine, r.head.sha): r.fingerprint for r in runs if r.base is None}
