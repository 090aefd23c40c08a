"""Inline SVG sparklines for the overview: no script, no plotly, a few hundred bytes each.

Half of the overview's bytes are sparklines (1,470 of them on OpenBLAS's history), so each is a
path of relative steps: one unit right and the whole-pixel change in height ("1 -3"), which
gzip packs far better than absolute coordinates. The viewBox is as wide as the points and is
stretched to WIDTH (preserveAspectRatio="none"); the stylesheet keeps the stroke from stretching.
"""

from __future__ import annotations

import itertools

WIDTH, HEIGHT, PAD = 120, 24, 2
POINTS = 60  # newest points drawn


def sparkline(values: list[float], status: str) -> str:
    recent = values[-POINTS:]
    if not recent:
        return ""
    lo, hi = min(recent), max(recent)
    span = (hi - lo) or 1.0
    # Whole pixels: finer heights would not show at this size.
    ys = [round(HEIGHT - PAD - (v - lo) / span * (HEIGHT - 2 * PAD)) for v in recent]
    steps = " ".join(f"1 {b - a}" for a, b in itertools.pairwise(ys))
    path = f"M0 {ys[0]}" + (f"l{steps}" if steps else "")
    return (
        # One unit of margin each side: the end points' stroke is not cut off.
        f'<svg class="pp-spark pp-{status}" viewBox="-1 0 {len(recent) + 1} {HEIGHT}" preserveAspectRatio="none" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="last {len(recent)} runs"><path d="{path}"/></svg>'
    )
