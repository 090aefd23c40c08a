"""What a build keeps for the next one, under ``.perfpages-cache/``: parsed results files, the
comparisons of A/B runs whose inputs have not changed, and the text of their pages.

Parsed runs are keyed by the SHA-1 of each file's bytes. Results files are never rewritten, and a
fresh checkout (every CI run) changes modification times but not bytes, so the key holds across
checkouts. One pickle holds every run: the kinds, SHAs and names that runs share are stored once,
and loading 3,000 runs of 400 results takes about a second instead of half a minute of parsing.

The cache is derived data under ``.perfpages-cache/``: safe to delete, never committed, and
written only by the build that reads it (a pickle is code, so the folder must be as trusted
as the checkout; the publish workflow keeps it only for builds of the default branch).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from collections import defaultdict
from dataclasses import fields
from functools import cache
from pathlib import Path

from generator.analysis.series import Series, SeriesKey, build_series, extend_series
from generator.model import MeasurementTable, RunRecord
from generator.results.store import file_stamp
from generator.site.charts import TrendText
from generator.site.judging import Comparison, run_key
from generator.site.writer import replace_file

# Parsed records change shape when these sources do; their bytes are part of the format's name.
_SOURCES = (
    "model.py",
    "results/codec.py",
    "results/schema.py",
    "results/fastcheck.py",
    "results/results-v1.schema.json",
)


def _format() -> str:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(b"runs-2")
    for name in _SOURCES:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


class RunCache:
    """Parsed runs by file digest, and each file's digest by its stat (see ``known``).

    ``path`` holds most runs; runs parsed since are kept in a small journal beside it, so adding
    one results file does not rewrite the whole cache (0.3-0.5 s at 3,000 runs). ``save`` keeps
    only the entries this build used, and folds the journal in when it grows or a run is gone.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.format = _format()
        self._base: dict[str, RunRecord] = self._read(path) if path else {}
        self._journal: dict[str, RunRecord] = self._read(self._beside("journal")) if path else {}
        stamps = self._read(self._beside("stamps")) if path else {}
        self._stamps: dict[str, tuple[tuple[int, ...], str]] = stamps
        self._used: set[str] = set()
        self._added: dict[str, RunRecord] = {}
        self._stamped = False

    def _beside(self, part: str) -> Path:
        return self.path.with_name(f"{self.path.stem}.{part}{self.path.suffix}")

    def _read(self, path: Path) -> dict:
        gc.disable()  # millions of objects, none of them garbage: collecting while loading triples the time
        try:
            with open(path, "rb") as handle:
                stored = pickle.load(handle)
        except Exception:  # missing, damaged or from another version: parse the files again
            return {}
        finally:
            gc.enable()
        if not isinstance(stored, dict) or stored.get("format") != self.format:
            return {}
        return stored["entries"]

    def get(self, digest: str) -> RunRecord | None:
        record = self._base.get(digest) or self._journal.get(digest) or self._added.get(digest)
        if record is not None:
            self._used.add(digest)
        return record

    def put(self, digest: str, record: RunRecord) -> None:
        self._added[digest] = record
        self._used.add(digest)

    def known(self, path: Path) -> tuple[str, RunRecord] | None:
        """(digest, record) of a file whose size, times and inode are those it had when it was last
        read, without reading it: reading and hashing 3,000 files (400 MB) takes 0.5 s. As with
        git's index, a file rewritten in place with the same size within the same nanosecond would
        go unnoticed; results files are never rewritten."""
        kept = self._stamps.get(os.path.abspath(path))
        if kept is None or kept[0] != file_stamp(path):
            return None
        record = self.get(kept[1])
        return (kept[1], record) if record is not None else None

    def stamp(self, path: Path, stamp: tuple[int, ...] | None, digest: str) -> None:
        """Remember the digest of a file read with this ``stamp`` (taken before reading it)."""
        name = os.path.abspath(path)
        if stamp is not None and self._stamps.get(name) != (stamp, digest):
            self._stamps[name] = (stamp, digest)
            self._stamped = True

    def save(self) -> None:
        """Write what changed: the journal when runs were parsed, everything when one is gone."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kept = {**self._base, **self._journal, **self._added}
        if self._used != set(kept) or len(self._journal) + len(self._added) > len(self._base) // 8:
            self._write(self.path, {d: r for d, r in kept.items() if d in self._used})
            self._write(self._beside("journal"), {})
        elif self._added:
            self._write(self._beside("journal"), {**self._journal, **self._added})
        if self._stamped or any(digest not in self._used for _, digest in self._stamps.values()):
            stamps = {name: kept for name, kept in self._stamps.items() if kept[1] in self._used}
            self._write(self._beside("stamps"), stamps)

    def _write(self, path: Path, entries: dict) -> None:
        document = {"format": self.format, "entries": entries}
        replace_file(path, pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL))


class ComparisonCache:
    """A/B comparisons by the digest of their inputs (see ``comparison_keys``), one file each.

    A thousand PR pages are a thousand comparisons of hundreds of series; after one new run on
    main none of their inputs changed, so a build reads them back instead of judging them again.
    """

    def __init__(self, folder: Path | None, keys: dict[tuple[str, str], str]) -> None:
        self.folder, self.keys = folder, keys
        self._used: set[str] = set()

    def inputs(self, record: RunRecord) -> str:
        return self.keys.get(run_key(record), "")

    def get(self, record: RunRecord) -> Comparison | None:
        key = self.keys.get(run_key(record))
        if self.folder is None or key is None:
            return None
        try:
            with open(self.folder / f"{key}.pickle", "rb") as handle:
                found = pickle.load(handle)
        except Exception:  # missing or damaged: judged again below
            return None
        if not isinstance(found, Comparison) or found.inputs != key:
            return None
        self._used.add(key)
        return found

    def put(self, record: RunRecord, comparison: Comparison) -> None:
        key = self.keys.get(run_key(record))
        if self.folder is None or key is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        replace_file(self.folder / f"{key}.pickle", pickle.dumps(comparison.packed(), protocol=pickle.HIGHEST_PROTOCOL))
        self._used.add(key)

    def prune(self) -> None:
        _prune(self.folder, self._used)


class SeriesCache:
    """The series of main's history as the last build made them, and the runs they came from.

    After new runs on main, each series is the last build's plus the new runs' points
    (series.extend_series): pooling 2,000 runs' samples into 400 series again takes ~1 s. That
    holds while the earlier runs are all still there, in the same order, main's earlier commits
    are unchanged, and the new runs measured only commits after them; otherwise every series is
    built again."""

    def __init__(self, path: Path | None, digests: dict[tuple[str, str], str]) -> None:
        self.path, self.digests = path, digests

    def __call__(self, runs: list[RunRecord], main_order: list[str]) -> list[Series]:
        runs = sorted((r for r in runs if r.kind == "commit"), key=lambda r: r.started_at)  # as build_series
        names = [self.digests[run_key(r)] for r in runs]
        kept = self._read()
        series = None
        if kept is not None and _extends(kept, names, runs, main_order):
            series = extend_series(
                [Series(*fields) for fields in kept["series"]], build_series(runs[len(kept["runs"]) :], main_order)
            )
        if series is None:
            series = build_series(runs, main_order)
        self._write(names, main_order, series)
        return series

    def _read(self) -> dict | None:
        if self.path is None:
            return None
        try:
            with open(self.path, "rb") as handle:
                stored = pickle.load(handle)
        except Exception:  # none yet, damaged or from another version: built afresh
            return None
        return stored if isinstance(stored, dict) and stored.get("code") == _code() else None

    def _write(self, names: list[str], main_order: list[str], series: list[Series]) -> None:
        if self.path is None:
            return
        # Fields only: a Series caches derived values (positions, points) that need not be kept.
        rows = [tuple(getattr(s, f.name) for f in fields(Series)) for s in series]
        document = {"code": _code(), "runs": names, "order": list(main_order), "series": rows}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(self.path, pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL))


def _extends(kept: dict, names: list[str], runs: list[RunRecord], main_order: list[str]) -> bool:
    """Whether ``runs`` are the kept series' runs plus later runs of commits after all of theirs."""
    before, order = kept["runs"], kept["order"]
    if names[: len(before)] != before or main_order[: len(order)] != order:
        return False
    earlier = set(order)
    return not any(c in earlier for r in runs[len(before) :] for c in set(MeasurementTable.of(r.measurements).commits))


class RenderCache:
    """What rendering keeps (pages.RenderMemo): files of A/B comparison pages under the digest of
    their key and of perfpages' own code, one pickle each in ``folder`` (``prune`` forgets those
    this build did not use), and the series' trend columns in one pickle, ``trends``."""

    def __init__(self, folder: Path | None, trends: Path | None = None) -> None:
        self.folder, self.trends_file = folder, trends
        self._used: set[str] = set()

    def trends(self) -> dict[SeriesKey, TrendText]:
        if self.trends_file is None:
            return {}
        try:
            with open(self.trends_file, "rb") as handle:
                stored = pickle.load(handle)
        except Exception:  # none yet, damaged or from another version: written in full again
            return {}
        return stored["trends"] if isinstance(stored, dict) and stored.get("code") == _code() else {}

    def keep_trends(self, trends: dict[SeriesKey, TrendText]) -> None:
        if self.trends_file is not None:
            self.trends_file.parent.mkdir(parents=True, exist_ok=True)
            document = {"code": _code(), "trends": trends}
            replace_file(self.trends_file, pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL))

    def _name(self, key: str) -> str:
        return hashlib.sha1(_code() + key.encode()).hexdigest()

    def get(self, key: str) -> dict[str, bytes] | None:
        if self.folder is None:
            return None
        name = self._name(key)
        try:
            with open(self.folder / f"{name}.pickle", "rb") as handle:
                found = pickle.load(handle)
        except Exception:  # missing or damaged: rendered again
            return None
        if not isinstance(found, dict):
            return None
        self._used.add(name)
        return found

    def put(self, key: str, files: dict[str, bytes]) -> None:
        if self.folder is None:
            return
        name = self._name(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        replace_file(self.folder / f"{name}.pickle", pickle.dumps(files, protocol=pickle.HIGHEST_PROTOCOL))
        self._used.add(name)

    def prune(self) -> None:
        _prune(self.folder, self._used)


def _prune(folder: Path | None, used: set[str]) -> None:
    """Delete the entries of ``folder`` a build did not use: their inputs are gone or changed."""
    if folder is None or not folder.is_dir():
        return
    for path in folder.glob("*.pickle"):
        if path.stem not in used:
            path.unlink(missing_ok=True)


def comparison_keys(
    runs: list[RunRecord], digests: dict[tuple[str, str], str], main_order: list[str], floors: dict[str, float]
) -> dict[tuple[str, str], str]:
    """A digest of everything each A/B run's comparison depends on, by (machine, run id).

    That is: the analysis code, the floors, the run itself, every A/B run of the same pair (their
    samples pool), runs of the base and head commits, and every run on main up to the base (the
    history its noise is learned from). Later runs on main change none of these, as a permalink needs.
    """
    commit_runs: dict[str, list[str]] = defaultdict(list)
    pair_runs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in runs:
        digest = digests[run_key(r)]
        if r.base is None:
            commit_runs[r.head.sha].append(digest)
        else:
            pair_runs[(r.base.sha, r.head.sha)].append(digest)
    running = hashlib.sha1(_analysis_code() + repr(sorted(floors.items())).encode())
    prefix: dict[str, str] = {}
    for sha in main_order:  # the history up to each commit, as one running digest
        if sha in commit_runs:
            running.update(f"{sha} {' '.join(sorted(commit_runs[sha]))}\n".encode())
        prefix[sha] = running.hexdigest()
    keys = {}
    for r in runs:
        if r.base is None:
            continue
        base, head = r.base.sha, r.head.sha
        parts = [
            prefix.get(base) or f"off-main {_analysis_code().hex()} {sorted(floors.items())}",
            digests[run_key(r)],
            *sorted(pair_runs[(base, head)]),
            *sorted(commit_runs.get(base, ())),
            *sorted(commit_runs.get(head, ())),
        ]
        keys[run_key(r)] = hashlib.sha1(" ".join(parts).encode()).hexdigest()
    return keys


@cache
def _analysis_code() -> bytes:
    """The digest of the code comparisons come from (their verdicts, and the page paths urls.py
    names): changing it invalidates every kept comparison."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(b"comparisons-1")
    sources = [*root.glob("analysis/*.py"), root / "site" / "judging.py", root / "site" / "urls.py", root / "model.py"]
    for path in sorted(sources):
        digest.update(path.read_bytes())
    return digest.digest()


@cache
def _code() -> bytes:
    """The digest of all of perfpages' code: a kept page is rendered again when any of it changes."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(b"pages-1")
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()
