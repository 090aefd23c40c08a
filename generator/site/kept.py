"""What a build keeps of its own work in the build cache (``.perfpages-cache/``; results/cache.py
says how it is stored): the series of main's history and what rendering made.

Thousands of small files would cost ~0.7 ms each to write; one pickle of all comparisons or all
pages is written in a few milliseconds per megabyte. Anything unreadable, damaged or written by
other code counts as not kept, and is made again.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from functools import cache
from pathlib import Path

from perfpages.analysis.series import Series, SeriesKey, build_series, extend_series
from perfpages.model import MeasurementTable, RunRecord, instant
from perfpages.results.cache import read_kept, write_kept
from perfpages.site.charts import TrendText
from perfpages.site.judging import run_key


class KeptEntries:
    """Entries under string keys in one pickle, read on first use. ``save`` writes only the
    entries this build used, and only when that changes the file."""

    def __init__(self, path: Path | None, version: str) -> None:
        self.path, self.version = path, version
        self._entries: dict | None = None
        self._used: set[str] = set()
        self._added = False

    def _all(self) -> dict:
        if self._entries is None:
            found = read_kept(self.path, self.version)
            self._entries = found if isinstance(found, dict) else {}
        return self._entries

    def get(self, key: str):
        found = self._all().get(key)
        if found is not None:
            self._used.add(key)
        return found

    def put(self, key: str, entry) -> None:
        self._all()[key] = entry
        self._used.add(key)
        self._added = True

    def save(self) -> None:
        if self._added or set(self._all()) != self._used:
            write_kept(self.path, self.version, {k: v for k, v in self._all().items() if k in self._used})


@cache
def code_version() -> str:
    """The digest of all of perfpages' code: what a build made is made again when any of it changes."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(b"kept-1")
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


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
        runs = sorted((r for r in runs if r.kind == "commit"), key=lambda r: instant(r.started_at))  # as build_series
        names = [self.digests[run_key(r)] for r in runs]
        kept = read_kept(self.path, code_version())
        if kept is not None and _extends(kept, names, runs, main_order):
            earlier = [Series(*row) for row in kept["series"]]
            series = extend_series(earlier, build_series(runs[len(kept["runs"]) :], main_order))
            if names == kept["runs"] and main_order == kept["order"]:
                return series  # nothing new to keep
        else:
            series = build_series(runs, main_order)
        # Fields only: a Series caches derived values (positions, points) that need not be kept.
        rows = [tuple(getattr(s, f.name) for f in fields(Series)) for s in series]
        write_kept(self.path, code_version(), {"runs": names, "order": list(main_order), "series": rows})
        return series


def _extends(kept: dict, names: list[str], runs: list[RunRecord], main_order: list[str]) -> bool:
    """Whether ``runs`` are the kept series' runs plus later runs of commits after all of theirs."""
    before, order = kept["runs"], kept["order"]
    if names[: len(before)] != before or main_order[: len(order)] != order:
        return False
    earlier = set(order)
    later = runs[len(before) :]
    return not any(c in earlier for r in later for c in set(MeasurementTable.of(r.measurements).commits))


class RenderCache:
    """What rendering keeps (pages.RenderMemo): files of compare and PR pages under the digest
    of their key, in ``pages``, and the series' trend columns, in ``trends``."""

    def __init__(self, pages: Path | None, trends: Path | None = None) -> None:
        self.pages, self.trends_file = KeptEntries(pages, code_version()), trends

    def trends(self) -> dict[SeriesKey, TrendText]:
        found = read_kept(self.trends_file, code_version())
        return found if isinstance(found, dict) else {}

    def keep_trends(self, trends: dict[SeriesKey, TrendText]) -> None:
        write_kept(self.trends_file, code_version(), trends)

    def get(self, key: str) -> dict[str, bytes] | None:
        found = self.pages.get(hashlib.sha1(key.encode()).hexdigest())
        return found if isinstance(found, dict) else None

    def put(self, key: str, files: dict[str, bytes]) -> None:
        self.pages.put(hashlib.sha1(key.encode()).hexdigest(), files)

    def save(self) -> None:
        self.pages.save()
