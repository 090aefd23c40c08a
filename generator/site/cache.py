"""The build's copy of parsed results files, so that an unchanged history is not parsed again.

Entries are keyed by the SHA-1 of each file's bytes. Results files are never rewritten, and a
fresh checkout (every CI run) changes modification times but not bytes, so the key holds across
checkouts. One pickle holds every run: the kinds, SHAs and names that runs share are stored once,
and loading 3,000 runs of 400 results takes about a second instead of half a minute of parsing.

The cache is derived data under ``.perfpages-cache/``: safe to delete, never committed, and
written only by the build that reads it (a pickle is code, so the folder must be as trusted
as the checkout; the publish workflow keeps it only for builds of the default branch).
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from generator.model import RunRecord
from generator.site.writer import replace_file

# Parsed records change shape when these sources do; their bytes are part of the format's name.
_SOURCES = ("model.py", "results/codec.py", "results/schema.py")


def _format() -> str:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(b"runs-1")
    for name in _SOURCES:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


class RunCache:
    """Parsed runs by file digest; ``save`` keeps only the entries this build used."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.format = _format()
        self._entries: dict[str, RunRecord] = self._read() if path else {}
        self._used: set[str] = set()
        self._added = False

    def _read(self) -> dict[str, RunRecord]:
        try:
            with open(self.path, "rb") as handle:
                stored = pickle.load(handle)
        except Exception:  # missing, damaged or from another version: parse the files again
            return {}
        if not isinstance(stored, dict) or stored.get("format") != self.format:
            return {}
        return stored["runs"]

    def get(self, digest: str) -> RunRecord | None:
        record = self._entries.get(digest)
        if record is not None:
            self._used.add(digest)
        return record

    def put(self, digest: str, record: RunRecord) -> None:
        self._entries[digest] = record
        self._used.add(digest)
        self._added = True

    def save(self) -> None:
        """Write the cache when this build parsed a file or stopped using one."""
        if self.path is None or (not self._added and self._used == set(self._entries)):
            return
        kept = {d: r for d, r in self._entries.items() if d in self._used}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(self.path, pickle.dumps({"format": self.format, "runs": kept}, protocol=pickle.HIGHEST_PROTOCOL))
