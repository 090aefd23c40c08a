"""Inline SVG sparklines for the overview: no script, no plotly, a few hundred bytes each."""

from __future__ import annotations

WIDTH, HEIGHT, PAD = 120, 24, 2
POINTS = 60  # newest points drawn


def sparkline(values: list[float], status: str) -> str:
    recent = values[-POINTS:]
    if not recent:
        return ""
    lo, hi = min(recent), max(recent)
    span = (hi - lo) or 1.0
    step = (WIDTH - 2 * PAD) / max(1, len(recent) - 1)
    # Whole pixels: finer coordinates would not show at this size, and 400 rows of them weigh on the page.
    coords = " ".join(
        f"{PAD + i * step:.0f},{HEIGHT - PAD - (v - lo) / span * (HEIGHT - 2 * PAD):.0f}" for i, v in enumerate(recent)
    )
    return (
        f'<svg class="pp-spark pp-{status}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="last {len(recent)} runs"><polyline points="{coords}"/></svg>'
    )
