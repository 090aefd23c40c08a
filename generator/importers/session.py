"""One import: read a source, convert each run, write the new results files, count everything."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.importers.base import Item, Problem, SourceRun
from generator.importers.convert import CommitLookup, ImportOptions, to_record
from generator.results.codec import record_commits, to_document
from generator.results.schema import validate_document
from generator.results.store import atomic_create, dumps, run_path


@dataclass
class ImportTally:
    written: int = 0
    already: int = 0  # imported before: the same source run gives the same file
    empty: int = 0  # source runs in which every benchmark failed: nothing to import
    points: int = 0
    failures: int = 0  # benchmarks the source tool reported as failed, written as failures[] records
    skipped: int = 0  # benchmarks the source tool skipped on purpose: neither samples nor failures
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "written": self.written,
            "already_imported": self.already,
            "empty_runs": self.empty,
            "points": self.points,
            "failures": self.failures,
            "skipped": self.skipped,
            "problems": [{"file": p.file, "place": p.place, "message": p.message} for p in self.problems],
        }

    def __str__(self) -> str:
        return (
            f"{self.written} runs written, {self.points} points, {self.failures} failed and "
            f"{self.skipped} skipped benchmarks, {self.already} already imported, "
            f"{self.empty} with no result, {len(self.problems)} problems"
        )


def import_items(
    items: Iterable[Item],
    options: ImportOptions,
    out_dir: Path,
    lookup: CommitLookup,
    strict: bool = False,
    progress: Callable[[ImportTally], None] | None = None,
) -> ImportTally:
    """Stream ``items`` into results files; memory holds one source run at a time."""
    tally = ImportTally()
    for item in items:
        problem = _take(item, options, out_dir, lookup, tally)
        if problem is not None:
            tally.problems.append(problem)
            if strict:
                break
        if progress:
            progress(tally)
    return tally


def _take(item: Item, options: ImportOptions, out_dir: Path, lookup: CommitLookup, tally: ImportTally):
    if isinstance(item, Problem):
        return item
    tally.skipped += len(item.skipped)
    if not item.points and not item.failures:
        tally.empty += 1
        return None
    record = to_record(item, options, lookup)
    if isinstance(record, Problem):
        return record
    dest = run_path(out_dir, record)
    if dest.exists():
        tally.already += 1
        return None
    doc = to_document(record, record_commits(record))
    # Converted runs should always be valid; if a source slips something past a reader, say where.
    problems = validate_document(doc, str(dest))
    if problems:
        return Problem(_origin(item), problems[0].field, problems[0].message)
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic_create(dest, dumps(doc).encode())
    tally.written += 1
    tally.points += len(record.measurements)
    tally.failures += len(record.failures)
    return None


def _origin(item: SourceRun) -> str:
    return item.origin or item.identity.replace("\n", " ")
