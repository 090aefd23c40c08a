"""Regenerate the parameter table of docs/statistics.md from the code's constants.

The measured tables in the same page come from changepoint_bench.py and
verdict_bench.py (--write-docs). tests/test_docs.py fails when this table and the
code disagree, so the page cannot drift from what the code does.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from perfpages.analysis import bimodal as bm
from perfpages.analysis import changepoints as cp
from perfpages.analysis import comparison
from perfpages.analysis import fence as fe
from perfpages.analysis import noise as nz
from perfpages.analysis import verdict as vd

START, END = "<!-- constants:start -->", "<!-- constants:end -->"
PAGE = Path(__file__).resolve().parent.parent / "docs" / "statistics.md"


def rows() -> list[tuple[str, str, str]]:
    floors = ", ".join(f"{m} {d:.1%} / {f:.1%}" for m, (d, f) in fe.THRESHOLDS.items())
    return [
        ("fence", "history used", f"last {fe.HISTORY_RUNS} runs on main up to the base"),
        ("fence", "minimum history", f"{fe.MIN_HISTORY} runs, else the default threshold"),
        ("fence", "threshold", f"Q3 + {fe.IQR_MULTIPLIER:g} x IQR of consecutive relative changes"),
        ("fence", "default / floor", f"{floors}; other metrics {fe.OTHER_METRICS[0]:.1%} / {fe.OTHER_METRICS[1]:.1%}"),
        ("verdict", "noise history", f"up to {nz.NOISE_HISTORY} runs, within one environment"),
        ("verdict", "noise scale", f"sd of consecutive relative changes, winsorised at {nz.WINSOR:.0%} per side"),
        ("verdict", "degrees of freedom", f"{nz.SCALE_EFFICIENCY:g} x history changes (at least {nz.MIN_DF:g})"),
        (
            "verdict",
            "base level",
            f"median of up to {nz.BASE_LEVEL_POINTS} newest runs, or of those since a shift among them "
            f"(2-4 runs all {nz.OUTLIER_Z:g} sigma off, or 5+ whose median moved {nz.SHIFT_Z:g} sds)",
        ),
        ("verdict", "false alarms", f"Benjamini-Hochberg at {comparison.FALSE_ALARM_RATE:.0%} per comparison"),
        ("verdict", "raw samples", f"Mann-Whitney p < {vd.SAMPLE_ALPHA:g} with at least {vd.MIN_SAMPLES} a side"),
        (
            "bimodal",
            "levels",
            f"each >= {bm.MIN_SHARE:.0%} of points, {bm.MIN_SEPARATION:g} spreads apart, >= {bm.MIN_SWITCHES} switches",
        ),
        ("change points", "segment", f"at least {cp.MIN_SEGMENT} runs on each side"),
        (
            "change points",
            "scan",
            f"window-median gap >= {cp.SCAN_Z:g} sd at half-widths {', '.join(map(str, cp.SCALES))} (cut at the ends)",
        ),
        (
            "change points",
            "step, not drift",
            f"line gap >= {cp.STEP_RATIO:g} x median gap and >= {cp.TREND_Z:g} sd, lines of <= {cp.TREND_WINDOW} runs",
        ),
        (
            "change points",
            "confirmation",
            f"neighbouring segments: shift >= {cp.MIN_EFFECT:g} sigma, and wholly apart"
            f" or Mann-Whitney p < {cp.CONFIRM_ALPHA:g}",
        ),
        ("change points", "window-median noise", f"from consecutive block medians when >= {cp.MIN_BLOCKS} blocks"),
    ]


def table() -> str:
    lines = ["| rule | parameter | value |", "|---|---|---|"]
    lines += [f"| {rule} | {name} | {value} |" for rule, name, value in rows()]
    return "\n".join(lines)


def replace_block(text: str, start: str, end: str, body: str) -> str:
    if start not in text or end not in text:
        raise SystemExit(f"markers {start} ... {end} are missing from the page")
    return re.sub(f"{re.escape(start)}.*?{re.escape(end)}", lambda _: f"{start}\n{body}\n{end}", text, flags=re.S)


def main() -> int:
    PAGE.write_text(replace_block(PAGE.read_text(), START, END, table()))
    print(f"updated {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
