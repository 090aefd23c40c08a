"""Every series' medians around each step on main, in blocks of commits: what a step page's full,
filterable list of series is drawn from.

A step page lists its level shifts as HTML; listing all 400 series on each of 2,000 step pages
would write 800,000 rows of HTML. Instead the medians go out once, in blocks of ``BLOCK``
consecutive measured commits, and the page's script reads the two columns of its step from one
block. A block also holds the column before its first commit,
so every step's base and head are in the same block. A new run on main changes only the last
block, and blocks whose numbers are unchanged are kept from the previous build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from perfpages.analysis.history import SeriesHistory
from perfpages.render.units import ladder_json
from perfpages.site import urls
from perfpages.site.charts import commit_positions
from perfpages.site.gather import ScenarioGroup, Site
from perfpages.site.jsontext import dumps, rounded

BLOCK = 64  # commits per file; a page fetches one (for 1,470 series of OpenBLAS: 640 kB, 88 kB gzipped)

Kept = Callable[[str, Callable[[], dict[str, bytes]]], dict[str, bytes]]  # (key, render) -> files


def block_of(head: int) -> int:
    """The block holding the step whose head is the measured commit at position ``head`` (>= 1)."""
    return head // BLOCK


def block_columns(block: int, commits: int) -> range:
    """Commit positions in ``block``: its own, plus the one before the first (a step's base)."""
    return range(max(0, block * BLOCK - 1), min(commits, (block + 1) * BLOCK))


def step_value_files(site: Site, kept: Kept) -> dict[str, bytes]:
    """``urls.step_values(block)`` -> its JSON, for every block of ``site.commits``. ``kept(key,
    render)`` returns the files an earlier build rendered from the same key, or ``render()``."""
    commits = len(site.commits)
    if commits < 2:
        return {}
    at = site.commit_index
    positions = [(g, h, commit_positions(h.series.commits, at)) for g in site.scenarios for h in g.histories]
    files: dict[str, bytes] = {}
    for block in range(block_of(commits - 1) + 1):
        columns = block_columns(block, commits)
        rows = [_row(g, h, x, columns) for g, h, x in positions]
        rows = [r for r in rows if r is not None]
        key = _key(block, columns, rows)
        files.update(kept(key, lambda b=block, c=columns, r=rows: {urls.step_values(b): _document(c, r)}))
    return files


_Row = tuple[ScenarioGroup, SeriesHistory, np.ndarray, np.ndarray]


def _row(group: ScenarioGroup, history: SeriesHistory, x: np.ndarray, columns: range) -> _Row | None:
    """The series' points inside ``columns`` (positions and medians), or None when it has none.
    A series' commits are in main's order, so its positions are sorted."""
    lo, hi = np.searchsorted(x, [columns.start, columns.stop])
    if lo == hi:
        return None
    return group, history, x[lo:hi], history.series.medians[lo:hi]


def _key(block: int, columns: range, rows: list[_Row]) -> str:
    digest = hashlib.sha1(repr(("step-values", block, columns.start, columns.stop)).encode())
    for group, history, x, y in rows:
        s = history.series
        digest.update(repr((group.label, group.slug, s.key.metric, s.key.machine, s.unit, s.direction)).encode())
        digest.update(x.tobytes())
        digest.update(np.ascontiguousarray(y, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _document(columns: range, rows: list[_Row]) -> bytes:
    """``series``: scenario label and page slug, metric, machine, unit, direction, and the
    positions (``x``, into api/commits.json) and medians (``y``, rounded as the charts' are) of
    its points in the block; ``ladders``: each unit's display steps, as the charts use them."""
    units = sorted({h.series.unit for _, h, _, _ in rows})
    return dumps(
        {
            "first": columns.start,
            "last": columns.stop - 1,
            "ladders": {unit: ladder_json(unit) for unit in units},
            "series": [
                {
                    "scenario": g.label,
                    "slug": g.slug,
                    "metric": h.series.key.metric,
                    "machine": h.series.key.machine,
                    "unit": h.series.unit,
                    "direction": h.series.direction.value,
                    "x": x.tolist(),
                    "y": [rounded(v) for v in y.tolist()],
                }
                for g, h, x, y in rows
            ],
        }
    )
