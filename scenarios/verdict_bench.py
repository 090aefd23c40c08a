"""How often does a PR comment cry wolf, and how often does it catch a real change?

Simulates pull requests against a suite of 50 scenarios x 3 metrics and reports, for
the rustc-perf/rustls fence rule and for perfpages' own rule:

- the share of PRs with at least one false alarm, when nothing changed;
- the power to flag a step of 2, 3, 5 and 10 sigma in one series of the suite.

Two sources of noise:
- synthetic: seeded normal noise (sigma = 1 %), 40 runs of history, 5 raw samples a run;
- php: the PHP project's nightly re-measurement of a fixed baseline build on bare metal,
  where every night-to-night change is machine noise (needs ../shared/benchmark-data).

Prints a table, or JSON with --json. Exit status 0; the numbers are the result.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import benchdata
import numpy as np
from statistics_doc import replace_block

from perfpages.analysis.comparison import FALSE_ALARM_RATE, Prepared, SeriesInput, judge, prepare
from perfpages.analysis.robust import spread
from perfpages.analysis.verdict import Verdict
from perfpages.model import Direction

STEPS = (2, 3, 5, 10)
SUITE = 150  # 50 scenarios x 3 metrics
MIN_PHP_HISTORY = 20
STEP_POOL = 500  # prepared changed series per step size
DOC_START, DOC_END = "<!-- verdict-bench:start -->", "<!-- verdict-bench:end -->"
METRICS = ("wall_time", "cpu_time", "throughput")


RUN_SD = 0.008  # run-to-run drift of the level (e.g. code layout, machine state)
SAMPLE_SD = 0.0134  # spread of the 5 samples inside one run
# sd of a run's median: sqrt(RUN_SD^2 + (1.2533 * SAMPLE_SD)^2 / 5) = 1.0 %; steps are in units of it
POINT_SD = float(np.sqrt(RUN_SD**2 + (1.2533 * SAMPLE_SD) ** 2 / 5))


def _run(rng: np.random.Generator, level: float) -> np.ndarray:
    return level * (1 + rng.normal(0, RUN_SD)) * (1 + rng.normal(0, SAMPLE_SD, 5))


def synthetic(rng: np.random.Generator, step_sigmas: float, metric: str) -> SeriesInput:
    """41 runs on main (the last is the base), then a head run shifted by a step of step_sigmas."""
    runs = [_run(rng, 1.0) for _ in range(41)]
    head = _run(rng, 1.0 + step_sigmas * POINT_SD)
    history = tuple(float(np.median(r)) for r in runs)
    return SeriesInput("s", (), metric, "m", "s", Direction.LOWER, history, tuple(runs[-1]), tuple(head))


def php_input(series: np.ndarray, k: int, step_sigmas: float, metric: str) -> SeriesInput:
    history = series[max(0, k - 40) : k]
    rel = np.diff(history) / history[:-1]
    sigma = spread(rel) / np.sqrt(2)
    head = float(series[k]) * (1 + step_sigmas * sigma)
    return SeriesInput("s", (), metric, "m", "s", Direction.LOWER, tuple(history), (history[-1],), (head,))


def flagged(verdict) -> tuple[bool, bool]:
    return verdict.fence_verdict is not Verdict.UNCHANGED, verdict.verdict is not Verdict.UNCHANGED


def simulate(null_pool: list[Prepared], step_pools: dict[int, list[Prepared]], prs: int, rng) -> dict:
    """Assemble PRs from prepared series; BH runs across each whole PR, as in real use.

    False alarms are counted on PRs where nothing changed. Power is measured on PRs where
    one series of the suite changed: with real changes present, BH (which controls the
    false discovery rate) rightly relaxes, so mixing the two would misstate both."""
    any_fence = any_ours = 0
    caught = {k: [0, 0] for k in step_pools}
    for _ in range(prs):
        report = judge("base", "head", _draw(null_pool, SUITE, rng))
        any_fence += any(v.fence_verdict is not Verdict.UNCHANGED for v in report.series)
        any_ours += any(v.verdict is not Verdict.UNCHANGED for v in report.series)
        for k, pool in step_pools.items():
            changed = pool[int(rng.integers(0, len(pool)))]
            verdict = judge("base", "head", [*_draw(null_pool, SUITE - 1, rng), changed]).series[-1]
            caught[k][0] += verdict.fence_verdict is Verdict.REGRESSED
            caught[k][1] += verdict.verdict is Verdict.REGRESSED
    per_test = FALSE_ALARM_RATE / SUITE  # the Benjamini-Hochberg level with no real change
    return {
        "prs": prs,
        "null_pool": len(null_pool),
        # Share of single null comparisons past the per-series level: a stable calibration check
        # (should be near per_test), whereas the PR rate below hinges on the few such draws.
        "null_tail_rate": float(np.mean([p.p_history is not None and p.p_history < per_test for p in null_pool])),
        "per_test_level": per_test,
        "false_alarm_prs": {"fence": any_fence / prs, "ours": any_ours / prs},
        "power": {str(k): {"fence": f / prs, "ours": o / prs} for k, (f, o) in caught.items()},
    }


def _draw(pool: list[Prepared], count: int, rng) -> list[Prepared]:
    return [pool[i] for i in rng.integers(0, len(pool), count)]


def synthetic_pools(seed: int, pool: int) -> tuple[list[Prepared], dict[int, list[Prepared]]]:
    """A large null pool: a PR's false alarm comes from its rare extreme draws, so a small pool
    reused across PRs would measure how many extreme series it happens to hold."""
    rng = np.random.default_rng(seed)
    nulls = [prepare(synthetic(rng, 0, METRICS[i % 3])) for i in range(pool)]
    steps = {k: [prepare(synthetic(rng, k, METRICS[i % 3])) for i in range(STEP_POOL)] for k in STEPS}
    return nulls, steps


def php_pools(root: Path, seed: int, pool: int) -> tuple[list[Prepared], dict[int, list[Prepared]]]:
    rng = np.random.default_rng(seed)
    series = benchdata.php_series(root)
    positions = [(s, k) for s in series for k in range(MIN_PHP_HISTORY, len(s))]
    chosen = [positions[i] for i in rng.choice(len(positions), size=min(pool, len(positions)), replace=False)]
    nulls = [prepare(php_input(s, k, 0, METRICS[i % 3])) for i, (s, k) in enumerate(chosen)]
    steps = {k: [prepare(php_input(s, p, k, "wall_time")) for s, p in chosen[:STEP_POOL]] for k in STEPS}
    return nulls, steps


def run(prs: int, pool: int, seed: int) -> dict:
    results = {"suite": SUITE, "seed": seed}
    nulls, steps = synthetic_pools(seed, pool)
    results["synthetic"] = simulate(nulls, steps, prs, np.random.default_rng(seed + 1))
    root = benchdata.data_dir()
    if root is not None:
        nulls, steps = php_pools(root, seed, pool)
        results["php"] = simulate(nulls, steps, prs, np.random.default_rng(seed + 2))
    else:
        results["php"] = None
        print("skipping the PHP null data: benchmark data not found (see scenarios/benchdata.py)", file=sys.stderr)
    return results


def table(results: dict) -> str:
    lines = [
        "| data | rule | PRs with a false alarm | " + " | ".join(f"power at {k} sigma" for k in STEPS) + " |",
        "|---|---|---|" + "---|" * len(STEPS),
    ]
    notes = []
    for source in ("synthetic", "php"):
        block = results.get(source)
        if not block:
            continue
        for rule in ("fence", "ours"):
            power = " | ".join(f"{block['power'][str(k)][rule]:.1%}" for k in STEPS)
            lines.append(f"| {source} | {rule} | {block['false_alarm_prs'][rule]:.1%} | {power} |")
        notes.append(
            f"{source}: {block['null_tail_rate']:.5f} of {block['null_pool']} single null comparisons "
            f"fall past the per-series level {block['per_test_level']:.5f}"
        )
    return "\n".join(lines) + "\n\n" + "; ".join(notes) + "."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prs", type=int, default=2000, help="simulated pull requests per data source")
    parser.add_argument("--pool", type=int, default=30000, help="prepared null series to draw from (synthetic)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-docs", type=Path, metavar="MD", help="replace the generated table in this page")
    args = parser.parse_args()
    results = run(args.prs, args.pool, args.seed)
    if args.write_docs:
        command = f"python scenarios/verdict_bench.py --prs {args.prs} --pool {args.pool} --seed {args.seed}"
        body = f"{table(results)}\n\nMeasured with `{command}`."
        args.write_docs.write_text(replace_block(args.write_docs.read_text(), DOC_START, DOC_END, body))
    print(json.dumps(results, indent=2, sort_keys=True) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
