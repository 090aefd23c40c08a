"""One import: read a source, convert each run, write the new results files, count everything."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.errors import PerfpagesError
from generator.importers.base import Item, Problem, SourceRun
from generator.importers.convert import CommitLookup, ImportOptions, legacy_run_id, to_record
from generator.model import RunRecord
from generator.results.codec import record_commits, to_document
from generator.results.schema import validate_document
from generator.results.store import atomic_create, dumps, iter_result_files, run_path


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
    ids = RunIds.of(out_dir)
    with Writer(tally) as writer:
        for item in items:
            problem = _take(item, options, out_dir, lookup, tally, ids, writer)
            if problem is not None:
                tally.problems.append(problem)
                if strict:
                    break
            if progress:
                progress(tally)
    return tally


class Writer:
    """Creates results files in a few threads: each waits for its fsync there (which releases the
    GIL) while the next run is converted. At most ``PENDING`` files wait, so memory stays bounded.
    A file that cannot be created after all is taken off the tally and becomes a problem."""

    PENDING = 8

    def __init__(self, tally: ImportTally) -> None:
        self.tally = tally
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="perfpages-write")
        self.pending: deque[tuple[Future, Path, int]] = deque()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc) -> None:
        while self.pending:
            self._settle()
        self.pool.shutdown()

    def create(self, dest: Path, data: bytes, points: int) -> None:
        if len(self.pending) >= self.PENDING:
            self._settle()
        self.pending.append((self.pool.submit(atomic_create, dest, data), dest, points))

    def _settle(self) -> None:
        future, dest, points = self.pending.popleft()
        try:
            future.result()
        except (OSError, PerfpagesError) as exc:
            self.tally.written -= 1
            self.tally.points -= points
            self.tally.problems.append(Problem(str(dest), "(file)", f"could not be written: {exc}"))


@dataclass(frozen=True)
class RunIds:
    """Which file already uses each (machine, run id) under the results folder, read once from
    the file names (``<sha12>-<run-id>.json``) and kept up to date as the import writes."""

    used: dict[tuple[str, str], Path]

    @classmethod
    def of(cls, out_dir: Path) -> RunIds:
        used = {}
        for path in iter_result_files(out_dir) if out_dir.is_dir() else ():
            parts = path.relative_to(out_dir).parts
            if len(parts) == 3 and path.stem[12:13] == "-":
                used.setdefault((parts[0], path.stem[13:]), path)
        return cls(used)

    def user(self, record: RunRecord) -> Path | None:
        return self.used.get((record.machine, record.run_id))

    def add(self, record: RunRecord, path: Path) -> None:
        self.used[(record.machine, record.run_id)] = path


def _take(
    item: Item,
    options: ImportOptions,
    out_dir: Path,
    lookup: CommitLookup,
    tally: ImportTally,
    ids: RunIds,
    writer: Writer,
):
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
    other = ids.user(record)
    # The same path already taken (perhaps still being written) is the same run imported before.
    if other == dest or dest.exists() or _imported_before(out_dir, record, options, item):
        tally.already += 1
        return None
    if other is not None:
        # `check` would refuse the pair; writing it would break the results folder.
        return Problem(
            _origin(item),
            "(run id)",
            f"run id {record.run_id!r} on {record.machine!r} is already used by {other}; "
            "each run needs a unique id, so this run was not written (remove or rename the other file)",
        )
    doc = to_document(record, record_commits(record))
    # Converted runs should always be valid; if a source slips something past a reader, say where.
    problems = validate_document(doc, str(dest))
    if problems:
        return Problem(_origin(item), problems[0].field, problems[0].message)
    dest.parent.mkdir(parents=True, exist_ok=True)
    writer.create(dest, dumps(doc).encode(), len(record.measurements))
    ids.add(record, dest)
    tally.written += 1
    tally.points += len(record.measurements)
    tally.failures += len(record.failures)
    return None


def _imported_before(out_dir: Path, record: RunRecord, options: ImportOptions, item: SourceRun) -> bool:
    """The same source run for the same commit and machine, written under the id older imports gave."""
    legacy = replace(record, run_id=legacy_run_id(options.format, item.identity))
    return run_path(out_dir, legacy).exists()


def _origin(item: SourceRun) -> str:
    return item.origin or item.identity.replace("\n", " ")
