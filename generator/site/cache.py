"""What a build keeps for the next one, under ``.perfpages-cache/``: parsed results files and
the comparisons of A/B runs whose inputs have not changed (site/kept.py: how it is stored, and
what else a build keeps of its own work).

Parsed runs are keyed by the SHA-1 of each file's bytes. Results files are never rewritten, and a
fresh checkout (every CI run) changes modification times but not bytes, so the key holds across
checkouts. One pickle holds every run: the kinds, SHAs and names that runs share are stored once,
and loading 3,000 runs of 400 results takes about a second instead of half a minute of parsing.

The cache is derived data under ``.perfpages-cache/``: safe to delete, never committed, and
written only by the build that reads it (a pickle is code, so the folder must be as trusted
as the checkout; the publish workflow keeps it only for builds of the default branch).
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from functools import cache
from pathlib import Path

from perfpages.model import RunRecord
from perfpages.results.store import file_stamp
from perfpages.site.judging import Comparison, run_key
from perfpages.site.kept import KeptEntries, read_kept, write_kept

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
        found = read_kept(path, self.format)  # none, damaged or from another version: parse the files again
        return found if isinstance(found, dict) else {}

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
        kept = {**self._base, **self._journal, **self._added}
        if self._used != set(kept) or len(self._journal) + len(self._added) > len(self._base) // 8:
            write_kept(self.path, self.format, {d: r for d, r in kept.items() if d in self._used})
            write_kept(self._beside("journal"), self.format, {})
        elif self._added:
            write_kept(self._beside("journal"), self.format, {**self._journal, **self._added})
        if self._stamped or any(digest not in self._used for _, digest in self._stamps.values()):
            stamps = {name: kept for name, kept in self._stamps.items() if kept[1] in self._used}
            write_kept(self._beside("stamps"), self.format, stamps)


class ComparisonCache:
    """A/B comparisons by the digest of their inputs (see ``comparison_keys``), in one pickle.

    A thousand PR pages are a thousand comparisons of hundreds of series; after one new run on
    main none of their inputs changed, so a build reads them back instead of judging them again.
    """

    def __init__(self, path: Path | None, keys: dict[tuple[str, str], str]) -> None:
        self.kept, self.keys = KeptEntries(path, "comparisons-1"), keys

    def inputs(self, record: RunRecord) -> str:
        return self.keys.get(run_key(record), "")

    def get(self, record: RunRecord) -> Comparison | None:
        key = self.keys.get(run_key(record))
        found = self.kept.get(key) if key is not None else None
        return found if isinstance(found, Comparison) and found.inputs == key else None

    def put(self, record: RunRecord, comparison: Comparison) -> None:
        key = self.keys.get(run_key(record))
        if key is not None:
            self.kept.put(key, comparison.packed())

    def save(self) -> None:
        """Keep what this build used: comparisons of runs that are gone or changed are forgotten."""
        self.kept.save()


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
