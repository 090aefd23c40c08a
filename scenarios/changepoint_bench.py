"""Change-point detection accuracy and speed: perfpages against asv, Otava, PELT and E-Divisive.

Three measurements, each on the same data for every detector:

- TCPD: the Turing Change Point Dataset's univariate series with human annotations,
  scored by F1 (margin 5) and segmentation covering as TCPDBench defines them.
- Injected steps: real benchmark noise (PHP's nightly baseline, django-asv and Enso
  series, level shifts removed with a rolling median) with 1-3 multiplicative steps of
  3-10 sigma injected at random places, three seeds. F1 with margin 5.
- False alarms per 1,000 points on the same noise with no step injected.

Plus speed: milliseconds per 1,000-point series.

Anchors run when their packages are installed (`pip install -e '.[bench]'`; E-Divisive
needs `pip install --no-deps signal-processing-algorithms`, whose numpy<2 pin conflicts
with Otava's). `--detectors ours --json` is what the project's own scenario runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import benchdata
import numpy as np
from statistics_doc import replace_block

from generator.analysis import changepoints
from generator.analysis.evaluation import covering, f1_score
from generator.analysis.robust import spread

Detector = Callable[[np.ndarray], list[int]]
SEEDS = (0, 1, 2)
PER_SOURCE = 25
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


def pelt(x: np.ndarray) -> list[int]:
    import ruptures

    scale = float(np.std(np.diff(x))) / np.sqrt(2) or 1.0  # BIC-style penalty on unit-noise data
    return ruptures.Pelt(model="l2", min_size=2).fit(x / scale).predict(pen=2 * np.log(len(x)))[:-1]


def edivisive(x: np.ndarray) -> list[int]:
    from signal_processing_algorithms.energy_statistics import energy_statistics

    return sorted(energy_statistics.e_divisive(list(map(float, x)), pvalue=0.05, permutations=100))


DETECTORS: dict[str, Detector] = {"ours": ours, "asv": asv, "otava": otava, "pelt": pelt, "edivisive": edivisive}
PACKAGES = {"asv": "asv", "otava": "otava.analysis", "pelt": "ruptures", "edivisive": "signal_processing_algorithms"}


def available(name: str) -> bool:
    if name not in PACKAGES:
        return True
    try:
        __import__(PACKAGES[name])
    except ImportError:
        return False
    return True


def score_tcpd(detect: Detector, data) -> dict:
    f1s, covers = [], []
    for series in data:
        found = detect(series.values)
        f1s.append(f1_score(series.annotations, found))
        covers.append(covering(series.annotations, found, len(series.values)))
    return {"tcpd_f1": float(np.mean(f1s)), "tcpd_covering": float(np.mean(covers)), "tcpd_series": len(data)}


def inject(pool, seed: int) -> list[tuple[np.ndarray, list[int]]]:
    rng = np.random.default_rng(seed)
    cases = []
    for _, x in pool:
        sigma = spread(x) / abs(float(np.median(x)))
        wanted, steps = int(rng.integers(1, 4)), []
        for _ in range(50):  # bounded: short series may not fit three steps 40 points apart
            c = int(rng.integers(20, len(x) - 20))
            if len(steps) < wanted and all(abs(c - o) >= 40 for o in steps):
                steps.append(c)
        y = x.copy()
        for c in sorted(steps):
            y[c:] *= 1 + rng.choice([-1, 1]) * rng.uniform(3, 10) * sigma
        cases.append((y, sorted(steps)))
    return cases


def score_injected(detect: Detector, pool) -> dict:
    alarms = sum(len(detect(x)) for _, x in pool)
    points = sum(len(x) for _, x in pool)
    f1s = [f1_score({"truth": steps}, detect(y)) for seed in SEEDS for y, steps in inject(pool, seed)]
    return {
        "injected_f1": float(np.mean(f1s)),
        "false_alarms_per_1k": 1000 * alarms / points,
        "noise_series": len(pool),
        "noise_points": points,
    }


def speed(detect: Detector, repeats: int = 20) -> dict:
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 0.01, 1000)
    x[400:] *= 1.05
    x[700:] *= 0.97
    detect(x)  # warm caches and imports
    started = time.perf_counter()
    for _ in range(repeats):
        detect(x)
    return {"ms_per_1k_points": 1000 * (time.perf_counter() - started) / repeats}


def run(names: list[str]) -> dict:
    root = benchdata.data_dir()
    results: dict = {"data": str(root) if root else None, "detectors": {}}
    tcpd = benchdata.tcpd(root) if root else []
    pool = benchdata.noise_pool(root, PER_SOURCE, seed=1) if root else []
    for name in names:
        if not available(name):
            results["detectors"][name] = {"skipped": f"package {PACKAGES[name]} is not installed"}
            continue
        detect = DETECTORS[name]
        row = speed(detect)
        if root:
            row |= score_tcpd(detect, tcpd) | score_injected(detect, pool)
        results["detectors"][name] = row
        print(f"{name}: done", file=sys.stderr, flush=True)
    return results


def table(results: dict) -> str:
    lines = [
        "| detector | TCPD F1 | TCPD covering | injected-step F1 | false alarms / 1k points | ms / 1k points |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in results["detectors"].items():
        if "skipped" in row:
            lines.append(f"| {name} | skipped: {row['skipped']} | | | | |")
            continue
        cells = [f"{row[k]:.3f}" if k in row else "n/a" for k in ("tcpd_f1", "tcpd_covering", "injected_f1")]
        alarms = f"{row['false_alarms_per_1k']:.2f}" if "false_alarms_per_1k" in row else "n/a"
        lines.append(f"| {name} | {' | '.join(cells)} | {alarms} | {row['ms_per_1k_points']:.1f} |")
    return "\n".join(lines)


def write_docs(path: Path, results: dict) -> None:
    path.write_text(replace_block(path.read_text(), DOC_START, DOC_END, table(results)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detectors", default=",".join(DETECTORS), help="comma-separated: " + ", ".join(DETECTORS))
    parser.add_argument("--json", action="store_true", help="print JSON (what the project's own scenario reads)")
    parser.add_argument("--write-docs", type=Path, metavar="MD", help="replace the generated table in this page")
    args = parser.parse_args()
    names = [n for n in args.detectors.split(",") if n]
    unknown = sorted(set(names) - set(DETECTORS))
    if unknown:
        parser.error(f"unknown detectors: {', '.join(unknown)}")
    results = run(names)
    if args.write_docs:
        write_docs(args.write_docs, results)
    print(json.dumps(results, indent=2, sort_keys=True) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
