"""The parsed-runs cache: what a build keeps of the results files it read, under ``.perfpages-cache/``,
and how every part of that folder is stored (a pickle per kind of thing, tagged with the version of
the code that wrote it; site/kept.py and site/cache.py keep the build's own work the same way).

Parsed runs are keyed by the SHA-1 of each file's bytes. Results files are never rewritten, and a
fresh checkout (every CI run) changes modification times but not bytes, so the key holds across
checkouts. One pickle holds every run: the kinds, SHAs and names that runs share are stored once,
and loading 3,000 runs of 400 results takes about a second instead of half a minute of parsing.

The cache is derived data: safe to delete, never committed, and written only by the build that
reads it (a pickle is code, so the folder must be as trusted as the checkout; the publish workflow
keeps it only for builds of the default branch). Anything unreadable, damaged or written by other
code counts as not kept, and is made again.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from perfpages.model import RunRecord
from perfpages.results.store import file_stamp

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


def read_kept(path: Path | None, version: str):
    """What ``write_kept`` wrote to ``path`` with this ``version``, or None."""
    if path is None:
        return None
    collecting = gc.isenabled()
    gc.disable()  # millions of objects, none of them garbage: collecting while loading triples the time
    try:
        with open(path, "rb") as handle:
            stored = pickle.load(handle)
    except Exception:  # missing, damaged or from another version
        return None
    finally:
        if collecting:
            gc.enable()
    return stored.get("kept") if isinstance(stored, dict) and stored.get("version") == version else None


def write_kept(path: Path | None, version: str, kept) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, pickle.dumps({"version": version, "kept": kept}, protocol=pickle.HIGHEST_PROTOCOL))


def replace_file(target: Path, data: bytes) -> None:
    """Write then rename, so a live-reloading server never reads half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
