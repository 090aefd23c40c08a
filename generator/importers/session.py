"""One import: read a source, convert each run, write the new results files, count everything."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from perfpages.errors import PerfpagesError
from perfpages.importers.base import Item, Problem, SourceRun
from perfpages.importers.convert import CommitLookup, ImportOptions, legacy_run_id, run_id, to_record
from perfpages.model import RunRecord
from perfpages.results.codec import record_commits, to_document
from perfpages.results.schema import validate_document
from perfpages.results.store import atomic_create, dumps, iter_result_files, read_results_bytes, run_path


@dataclass
class ImportTally:
    written: int = 0
    already: int = 0  # imported before: the same source run gives the same file
    empty: int = 0  # source runs in which every benchmark failed: nothing to import
    points: int = 0
    failures: int = 0  # benchmarks the source tool reported as failed, written as failures[] records
    skipped: int = 0  # benchmarks the source tool skipped on purpose: neither samples nor failures
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the written series look like, see SeriesShapes

    def to_json(self) -> dict:
        return {
            "written": self.written,
            "already_imported": self.already,
            "empty_runs": self.empty,
            "points": self.points,
            "failures": self.failures,
            "skipped": self.skipped,
            "problems": [{"file": p.file, "place": p.place, "message": p.message} for p in self.problems],
            "warnings": self.warnings,
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
    shapes = SeriesShapes()
    with Writer(tally) as writer:
        for item in items:
            problem = _take(item, options, out_dir, lookup, tally, ids, writer, shapes)
            if problem is not None:
                tally.problems.append(problem)
                if strict:
                    break
            if progress:
                progress(tally)
    tally.warnings.extend(shapes.warnings())
    return tally


@dataclass
class _Shape:
    runs: int = 0
    low: float = float("inf")
    high: float = 0.0


class SeriesShapes:
    """How many runs each imported series got and the range of its positive values, kept as three
    numbers a series so that a 400 x 2,000 import stays small. Two shapes mean the import read its
    source wrongly more often than they mean real data: most series with a single point (a run id
    or commit that changes inside what should be one series, such as a timestamp in a name), and a
    series whose values span orders of magnitude (units mixed, or configurations pooled)."""

    ONE_POINT_SHARE = 0.5  # warn when more than half of the series have one point ...
    ONE_POINT_MIN = 10  # ... and there are at least this many of them
    SPAN = 100.0  # highest / lowest positive value within one series

    def __init__(self) -> None:
        self.series: dict[tuple, _Shape] = {}
        self.runs = 0
        self.undated = 0  # runs whose commit has no date: history can only guess where they go

    def add(self, record: RunRecord) -> None:
        self.runs += 1
        self.undated += not (record.head.committer_date or record.head.author_date)
        for m in record.measurements:
            shape = self.series.setdefault((m.scenario, m.params, m.metric, record.machine), _Shape())
            shape.runs += 1
            if not m.samples:
                continue
            low, high = min(m.samples), max(m.samples)  # in C; the filtered walk only when one is <= 0
            if low <= 0:
                positive = [x for x in m.samples if x > 0]
                low, high = (min(positive), max(positive)) if positive else (shape.low, shape.high)
            shape.low, shape.high = min(shape.low, low), max(shape.high, high)

    def warnings(self) -> list[str]:
        found = []
        if self.undated:
            found.append(
                f"{self.undated} of {self.runs} runs name a commit with no date (it is not in this repository, "
                "and the source gives none): without git's order, history can only place them by when they "
                "were imported; import where the repository has the commits (a full clone)"
            )
        # An import of one run (one commit in CI) gives one point a series by design.
        single = [key for key, shape in self.series.items() if shape.runs == 1] if self.runs > 1 else []
        if len(single) >= self.ONE_POINT_MIN and len(single) > self.ONE_POINT_SHARE * len(self.series):
            found.append(
                f"{len(single)} of {len(self.series)} series have a single point (e.g. {_label(single[0])}): "
                "a trend needs several runs of the same series; check that names and parameters do not "
                "change from run to run (a date or counter in a benchmark name starts a new series each time)"
            )
        wide = [key for key, shape in self.series.items() if shape.high > self.SPAN * shape.low]
        if wide:
            key = wide[0]
            shape = self.series[key]
            found.append(
                f"{len(wide)} series pool values more than {self.SPAN:.0f}x apart (e.g. {_label(key)}: "
                f"{shape.low:.4g} to {shape.high:.4g}): mixed units or configurations in one series? "
                "check the source's units and the parameters that tell configurations apart"
            )
        return found


def _label(key: tuple) -> str:
    scenario, params, metric, machine = key
    shown = ",".join(f"{k}={v}" for k, v in params)
    return f"{scenario}[{shown}] {metric} on {machine}" if shown else f"{scenario} {metric} on {machine}"


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
    shapes: SeriesShapes,
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
    if other == dest or dest.exists() or _imported_before(out_dir, record, options, item, ids):
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
    shapes.add(record)
    tally.written += 1
    tally.points += len(record.measurements)
    tally.failures += len(record.failures)
    return None


def _imported_before(out_dir: Path, record: RunRecord, options: ImportOptions, item: SourceRun, ids: RunIds) -> bool:
    """The same source run for the same commit and machine, written under an id older imports gave."""
    legacy = replace(record, run_id=legacy_run_id(options.format, item.identity))
    return run_path(out_dir, legacy).exists() or _imported_as_earlier(record, options, item, ids)


def _imported_as_earlier(record: RunRecord, options: ImportOptions, item: SourceRun, ids: RunIds) -> bool:
    """A file under the source run's earlier identity is this run if it started at the same time;
    a re-run of the commit (new values in the same source file) started later and is a new run."""
    if not item.earlier_identity:
        return False
    earlier = (
        run_id(options.format, item.earlier_identity, record.head.sha, record.machine),
        legacy_run_id(options.format, item.earlier_identity),
    )
    paths = (ids.used.get((record.machine, rid)) for rid in earlier)
    return any(path is not None and _started_at(path) == record.started_at for path in paths)


def _started_at(path: Path) -> str | None:
    try:
        return json.loads(read_results_bytes(path))["run"]["started_at"]
    except (OSError, ValueError, KeyError, TypeError, PerfpagesError):
        return None


def _origin(item: SourceRun) -> str:
    return item.origin or item.identity.replace("\n", " ")
