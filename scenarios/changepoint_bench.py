"""Change-point detection accuracy and speed: perfpages against asv, Otava and E-Divisive.

Measured on the same series for every detector:

- Injected steps (stepsuite.py): real benchmark noise from every history in
  ../shared/benchmark-data with known multiplicative steps of 3-10 sigma, split by
  source into a tuning half and a held-out half before any score was seen. Scored by
  F1 with a margin of 5 points, recall per step size, and false alarms per 1,000
  points of the step-free windows. The held-out half is what is reported.
- TCPD: the Turing Change Point Dataset's univariate series with human annotations,
  scored by F1 (margin 5) and segmentation covering as TCPDBench defines them. A
  separate table: its series are not benchmark histories.

Plus speed: CPU milliseconds per 1,000-point series.

Anchors run when their packages are installed (`pip install -e '.[bench]'`; E-Divisive
needs `pip install --no-deps signal-processing-algorithms`, whose numpy<2 pin conflicts
with Otava's, then `pip install more-itertools structlog`, which it imports).
`--detectors ours --json` is what the project's own scenario runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import benchdata
import numpy as np
import stepsuite
from statistics_doc import replace_block

from perfpages.analysis import changepoints
from perfpages.analysis.evaluation import covering, f1_score, true_positives

Detector = Callable[[np.ndarray], list[int]]
DOC_START, DOC_END = "<!-- changepoint-bench:start -->", "<!-- changepoint-bench:end -->"


def ours(x: np.ndarray) -> list[int]:
    return [c.index for c in changepoints.detect(x)]


def asv(x: np.ndarray) -> list[int]:
    from asv import step_detect

    return [step[0] for step in step_detect.detect_steps(list(map(float, x)))[1:]]


def otava(x: np.ndarray) -> list[int]:
    from otava.analysis import compute_change_points

    points, _ = compute_change_points(list(map(float, x)), window_len=50, max_pvalue=0.001)
    return sorted(p.index for p in points)


def edivisive(x: np.ndarray) -> list[int]:
    from signal_processing_algorithms.energy_statistics import energy_statistics

    return sorted(energy_statistics.e_divisive(list(map(float, x)), pvalue=0.01, permutations=100))


DETECTORS: dict[str, Detector] = {"ours": ours, "asv": asv, "otava": otava, "edivisive": edivisive}
PACKAGES = {
    "asv": "asv",
    "otava": "otava.analysis",
    "edivisive": "signal_processing_algorithms.energy_statistics.energy_statistics",
}


def available(name: str) -> bool:
    if name not in PACKAGES:
        return True
    try:
        __import__(PACKAGES[name])
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Scored:
    """One case as one detector saw it."""

    case: stepsuite.Case
    found: tuple[int, ...]

    @property
    def f1(self) -> float:
        return f1_score({"truth": self.case.steps}, self.found)

    @property
    def hits(self) -> set[int]:
        return true_positives(self.case.steps, self.found)


def score_cases(detect: Detector, cases: list[stepsuite.Case]) -> list[Scored]:
    return [Scored(case, tuple(detect(case.values))) for case in cases]


def summary(scored: list[Scored]) -> dict:
    """F1 (mean over cases), false alarms per 1,000 step-free points, recall per step size,
    and F1 per source and per window length."""
    free = [s for s in scored if not s.case.steps]
    steps = defaultdict(lambda: [0, 0])  # size -> [found, total]
    for s in scored:
        for at, size in zip(s.case.steps, s.case.sizes, strict=True):
            steps[size][0] += at in s.hits
            steps[size][1] += 1
    by = defaultdict(list)
    for s in scored:
        by[("source", s.case.source)].append(s.f1)
        by[("length", s.case.length)].append(s.f1)
    free_points = sum(len(s.case.values) for s in free)
    return {
        "f1": _mean([s.f1 for s in scored]),
        "false_alarms_per_1k": 1000 * sum(len(s.found) for s in free) / free_points if free_points else None,
        "recall_by_sigma": {str(k): found / total for k, (found, total) in sorted(steps.items())},
        "f1_by_source": {name: _mean(v) for (kind, name), v in sorted(by.items()) if kind == "source"},
        "f1_by_length": {name: _mean(v) for (kind, name), v in sorted(by.items()) if kind == "length"},
        "cases": len(scored),
        "step_free_cases": len(free),
        "steps": sum(total for _, total in steps.values()),
    }


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def score_tcpd(detect: Detector, data) -> dict:
    f1s, covers = [], []
    for series in data:
        found = detect(series.values)
        f1s.append(f1_score(series.annotations, found))
        covers.append(covering(series.annotations, found, len(series.values)))
    return {"tcpd_f1": _mean(f1s), "tcpd_covering": _mean(covers), "tcpd_series": len(data)}


def speed(detect: Detector, repeats: int = 5) -> dict:
    """CPU time of this process per call: the machine is shared, so wall time would measure the others."""
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 0.01, 1000)
    x[400:] *= 1.05
    x[700:] *= 0.97
    detect(x)  # warm caches and imports
    started = time.process_time()
    for _ in range(repeats):
        detect(x)
    return {"ms_per_1k_points": 1000 * (time.process_time() - started) / repeats}


def run(names: list[str], halves: list[str], tcpd: bool = True) -> dict:
    root = benchdata.data_dir()
    results: dict = {
        "data": str(root) if root else None,
        "split": {"tuning": list(stepsuite.TUNING), "held_out": list(stepsuite.HELD_OUT)},
        "detectors": {},
    }
    suites = {half: stepsuite.suite(root, stepsuite.HALVES[half]) for half in halves} if root else {}
    labelled = benchdata.tcpd(root) if root and tcpd else []
    for name in names:
        if not available(name):
            results["detectors"][name] = {"skipped": f"package {PACKAGES[name]} is not installed"}
            continue
        detect = DETECTORS[name]
        row = speed(detect)
        for half, cases in suites.items():
            row[half] = summary(score_cases(detect, cases))
        if labelled:
            row |= score_tcpd(detect, labelled)
        if "held-out" in row:  # the figures the project's own scenario tracks
            row["injected_f1"] = row["held-out"]["f1"]
            row["false_alarms_per_1k"] = row["held-out"]["false_alarms_per_1k"]
        results["detectors"][name] = row
        print(f"{name}: done", file=sys.stderr, flush=True)
    return results


def tables(results: dict, half: str = "held-out") -> str:
    rows = {n: r for n, r in results["detectors"].items() if half in r}
    sizes = sorted({k for r in rows.values() for k in r[half]["recall_by_sigma"]}, key=int)
    head = ["detector", "F1", "false alarms / 1k step-free points"]
    head += [f"recall {k} sigma" for k in sizes]
    head += ["F1 short", "F1 long", "ms / 1k points"]
    lines = [_row(head), _row(["---"] * len(head))]
    for name, r in rows.items():
        h = r[half]
        cells = [name, f"{h['f1']:.3f}", f"{h['false_alarms_per_1k']:.2f}"]
        cells += [f"{h['recall_by_sigma'].get(k, float('nan')):.0%}" for k in sizes]
        cells += [f"{h['f1_by_length'].get(k, float('nan')):.3f}" for k in ("short", "long")]
        lines.append(_row([*cells, f"{r['ms_per_1k_points']:.1f}"]))
    sources = sorted({s for r in rows.values() for s in r[half]["f1_by_source"]})
    lines += ["", _row(["source (F1)", *rows]), _row(["---"] * (len(rows) + 1))]
    for source in sources:
        lines.append(
            _row([source, *(f"{r[half]['f1_by_source'].get(source, float('nan')):.3f}" for r in rows.values())])
        )
    tcpd = {n: r for n, r in results["detectors"].items() if "tcpd_f1" in r}
    if tcpd:
        lines += ["", _row(["detector", "TCPD F1", "TCPD covering"]), _row(["---"] * 3)]
        lines += [_row([n, f"{r['tcpd_f1']:.3f}", f"{r['tcpd_covering']:.3f}"]) for n, r in tcpd.items()]
    skipped = [f"{n}: {r['skipped']}" for n, r in results["detectors"].items() if "skipped" in r]
    if skipped:
        lines += ["", "Skipped: " + "; ".join(skipped) + "."]
    return "\n".join(lines)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def write_docs(path, results: dict) -> None:
    path.write_text(replace_block(path.read_text(), DOC_START, DOC_END, tables(results)))


def main() -> int:
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detectors", default=",".join(DETECTORS), help="comma-separated: " + ", ".join(DETECTORS))
    parser.add_argument("--half", choices=["held-out", "tuning", "both"], default="held-out", help="which sources")
    parser.add_argument("--no-tcpd", action="store_true", help="skip the TCPD series")
    parser.add_argument("--json", action="store_true", help="print JSON (what the project's own scenario reads)")
    parser.add_argument("--write-docs", type=Path, metavar="MD", help="replace the generated tables in this page")
    args = parser.parse_args()
    names = [n for n in args.detectors.split(",") if n]
    unknown = sorted(set(names) - set(DETECTORS))
    if unknown:
        parser.error(f"unknown detectors: {', '.join(unknown)}")
    halves = ["tuning", "held-out"] if args.half == "both" else [args.half]
    results = run(names, halves, tcpd=not args.no_tcpd)
    if args.write_docs:
        write_docs(args.write_docs, results)
    print(json.dumps(results, indent=2, sort_keys=True) if args.json else tables(results, halves[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
