"""Function-level diffs of two callgrind profiles, after normalising names that differ for no reason.

A profile is reduced to each function's *self* cost in instructions (Ir), the figure
``callgrind_annotate`` lists first. Names are normalised before comparing, or an
unchanged function shows up as a +N/−N pair: each side is checked out in its own
temporary worktree, and Rust symbols carry per-build hashes (``17h…E``, ``::h…``)
and LLVM ``.llvm.NNN`` suffixes. rustls met both problems (see
docs/workflows.md); the rules below generalise their ``--mod-funcname`` and
``--mod-filename`` filters.

Format reference: the callgrind output format, as written by valgrind 3.x: ``fl=``,
``fn=``, ``cfn=`` and friends name things, ``(id) name`` defines a compressed name
and ``(id)`` reuses it, and the cost line after ``calls=`` is the callee's inclusive
cost, which is not the caller's own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# (pattern, replacement), applied in order.
FUNCTION_RULES = (
    (re.compile(r"17h[0-9a-f]{16}E"), "E"),  # mangled legacy Rust symbol hash
    (re.compile(r"::h[0-9a-f]{16}\b"), ""),  # the same hash, demangled
    (re.compile(r"\.llvm\.\d+"), ""),  # LLVM's per-module suffix on promoted locals
)
FILE_RULES = (
    (re.compile(r"^.*/perfpages-wt-[^/]+/[0-9a-f]{12}/"), ""),  # perfpages' own worktrees (git.worktree)
    (re.compile(r"^/tmp/[^/]+/"), ""),  # any other per-checkout temporary folder
    (re.compile(r"(target/[^/]+/build/[^/]+)-[0-9a-f]{16}/"), r"\1/"),  # cargo build-script folders
)
UNKNOWN_FILE = "???"


@dataclass(frozen=True)
class FunctionKey:
    function: str
    location: str  # source file, or the object file when there is no debug information


@dataclass(frozen=True)
class FunctionDelta:
    key: FunctionKey
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before

    @property
    def relative(self) -> float | None:
        return self.delta / self.before if self.before else None


@dataclass(frozen=True)
class ProfileDiff:
    total_before: int
    total_after: int
    rows: tuple[FunctionDelta, ...]  # every function whose cost changed, largest change first

    @property
    def delta(self) -> int:
        return self.total_after - self.total_before


def normalise_function(name: str) -> str:
    for pattern, replacement in FUNCTION_RULES:
        name = pattern.sub(replacement, name)
    return name


def normalise_file(path: str) -> str:
    for pattern, replacement in FILE_RULES:
        path = pattern.sub(replacement, path)
    return path


class _Names:
    """One of callgrind's compressed name tables: ``(7) name`` defines id 7, ``(7)`` reuses it."""

    def __init__(self) -> None:
        self.by_id: dict[str, str] = {}

    def resolve(self, value: str) -> str:
        value = value.strip()
        if not value.startswith("("):
            return value
        ident, _, name = value.partition(")")
        name = name.strip()
        if name:
            self.by_id[ident] = name
            return name
        return self.by_id.get(ident, value)


def self_costs(lines: Iterable[str]) -> Counter[FunctionKey]:
    """Self instructions per normalised function, summed over every part of one profile."""
    files, functions, objects = _Names(), _Names(), _Names()
    costs: Counter[FunctionKey] = Counter()
    positions, event = 1, 0
    obj, file, key = "", UNKNOWN_FILE, FunctionKey("???", UNKNOWN_FILE)
    skip_next_cost = False  # the cost line after `calls=` belongs to the callee
    for raw in lines:
        line = raw.rstrip("\n")
        if not line or line[0] == "#":
            continue
        head = line[0]
        if head.isdigit() or head in "+-*":
            if skip_next_cost:
                skip_next_cost = False
                continue
            fields = line.split()
            if len(fields) > positions + event:
                costs[key] += int(fields[positions + event])
            continue
        name, _, value = line.partition("=")
        if name == "ob":
            obj = objects.resolve(value)
        elif name == "fl":
            file = files.resolve(value)
        elif name in ("fi", "fe", "cfi", "cfl"):
            files.resolve(value)  # may define an id used later; inlined code stays with its function
        elif name == "cob":
            objects.resolve(value)
        elif name == "cfn":
            functions.resolve(value)
        elif name == "fn":
            key = _key(functions.resolve(value), file, obj)
        elif name == "calls":
            skip_next_cost = True
        elif line.startswith("positions:"):
            positions = len(line.split(":", 1)[1].split())
        elif line.startswith("events:"):
            names = line.split(":", 1)[1].split()
            event = names.index("Ir") if "Ir" in names else 0
    return costs


def _key(function: str, file: str, obj: str) -> FunctionKey:
    location = file if file != UNKNOWN_FILE else obj.rsplit("/", 1)[-1] or UNKNOWN_FILE
    return FunctionKey(normalise_function(function), normalise_file(location))


def diff_profiles(before: Counter[FunctionKey], after: Counter[FunctionKey]) -> ProfileDiff:
    rows = [
        FunctionDelta(key, before.get(key, 0), after.get(key, 0))
        for key in before.keys() | after.keys()
        if before.get(key, 0) != after.get(key, 0)
    ]
    rows.sort(key=lambda r: (-abs(r.delta), r.key.function, r.key.location))
    return ProfileDiff(sum(before.values()), sum(after.values()), tuple(rows))


def diff_text(diff: ProfileDiff, title: str) -> str:
    """The downloadable plain-text form: one line per function, tab-separated."""
    lines = [
        f"# {title}",
        f"# total self instructions: {diff.total_before} -> {diff.total_after} ({diff.delta:+d})",
        "# delta\tbefore\tafter\tpercent\tfunction\tlocation",
    ]
    for row in diff.rows:
        percent = "new" if row.relative is None else f"{row.relative:+.2%}"
        lines.append(f"{row.delta:+d}\t{row.before}\t{row.after}\t{percent}\t{row.key.function}\t{row.key.location}")
    return "\n".join(lines) + "\n"
