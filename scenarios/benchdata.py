"""Loaders for the real benchmark histories and labelled series the benchmarks use.

The data lives outside the repository (third-party data is never committed). It is
found at $PERFPAGES_BENCHMARK_DATA, else at ../shared/benchmark-data beside the
project checkout ($PERFPAGES_PROJECT_ROOT is set by `perfpages run`, so this also
works from the temporary worktrees of a backfill).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PHP_SERIES_KEY = ("machine", "test", "variant", "kernel", "warmup", "iterations", "requests")


def data_dir() -> Path | None:
    candidates = [os.environ.get("PERFPAGES_BENCHMARK_DATA")]
    for root in (os.environ.get("PERFPAGES_PROJECT_ROOT"), Path(__file__).resolve().parent.parent):
        if root:
            candidates.append(str(Path(root).parent / "shared" / "benchmark-data"))
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@dataclass(frozen=True)
class Labelled:
    name: str
    values: np.ndarray
    annotations: dict[str, list[int]]  # annotator -> change-point indices


def tcpd(root: Path) -> list[Labelled]:
    """The univariate TCPD series with their human annotations; gaps are interpolated."""
    annotations = json.loads((root / "tcpd" / "annotations.json").read_text())
    out = []
    for folder in sorted((root / "tcpd" / "datasets").iterdir()):
        doc = json.loads((folder / f"{folder.name}.json").read_text())
        if doc["n_dim"] != 1:
            continue
        raw = np.array([np.nan if v is None else v for v in doc["series"][0]["raw"]], dtype=float)
        if np.isnan(raw).any():
            idx = np.arange(len(raw))
            raw = np.interp(idx, idx[~np.isnan(raw)], raw[~np.isnan(raw)])
        out.append(Labelled(folder.name, raw, annotations[folder.name]))
    return out


def php_series(root: Path, min_len: int = 12) -> list[np.ndarray]:
    """Nightly medians of PHP's fixed baseline build, split where the kernel or the benchmark's
    settings (warm-up, iterations, requests) changed: those are known discontinuities."""
    groups: dict[tuple, list] = defaultdict(list)
    with gzip.open(root / "php-real-time-benchmark-data" / "results-long.csv.gz", "rt") as handle:
        for row in csv.DictReader(handle):
            if row["variant"].startswith("PHP - baseline"):
                key = tuple(row[c] for c in PHP_SERIES_KEY)
                groups[key].append((row["run_time"], float(row["median"] or row["mean"])))
    return [np.array([v for _, v in sorted(rows)]) for rows in groups.values() if len(rows) >= min_len]


def long_table_series(
    path: Path, key_cols: tuple[str, ...], value_col: str, min_len: int, time_col: str = "commit_time"
) -> dict[tuple, np.ndarray]:
    """Series from a normalised long CSV, in commit-time order; non-positive values dropped."""
    groups: dict[tuple, list] = defaultdict(list)
    with gzip.open(path, "rt") as handle:
        for row in csv.DictReader(handle):
            try:
                value = float(row[value_col])
            except ValueError:
                continue
            if np.isfinite(value) and value > 0:
                groups[tuple(row[c] for c in key_cols)].append((row[time_col], value))
    return {k: np.array([v for _, v in sorted(rows)]) for k, rows in groups.items() if len(rows) >= min_len}


# One series per benchmark and environment: asv and github-action-benchmark tables keep the
# machine and the environment (interpreter, toolchain) in these columns, so a series never
# spans an environment change that the data records.
ASV_KEY = ("machine", "env", "suite", "benchmark", "params")
ASV_TABLES = {
    "conda": ("asv-small/conda-benchmarks/results-long.csv.gz",),
    "django": ("django-asv/results-long.csv.gz",),
    "metpy": ("asv-small/metpy-benchmark/results-long.csv.gz",),
    "openblas": ("asv-small/openblas-blas-benchmarks/results-long.csv.gz",),
    "pyo3": ("pyo3-gh-pages/results-long.csv.gz",),
    "rich": ("asv-small/rich/results-long.csv.gz",),
    "risc0": ("risc0-ghpages/results-long.main.csv.gz", "risc0-ghpages/results-long.dev-branch.csv.gz"),
    "swc": ("swc-raw-data/results-long.csv.gz",),
}
SOURCES = (*ASV_TABLES, "deno", "enso", "mongodb", "php", "tigerbeetle")


def real_series(root: Path, source: str, min_len: int) -> dict[str, np.ndarray]:
    """Every series of one source with at least ``min_len`` points, by name, oldest first.

    Each is cut where the data records an environment change (machine, environment,
    kernel, benchmark settings); the level shifts of real code changes stay in."""
    if source in ASV_TABLES:
        found = {}
        for table in ASV_TABLES[source]:
            series = long_table_series(root / table, ASV_KEY, "value", min_len)
            found |= {f"{table}:{'|'.join(k)}": v for k, v in series.items()}
        return found
    if source == "php":
        return {f"php:{i}": s for i, s in enumerate(php_series(root, min_len))}
    if source == "enso":
        path = root / "enso-engine-benchmark-results" / "results-long.csv.gz"
        return {"|".join(k): v for k, v in long_table_series(path, ("benchmark",), "score", min_len).items()}
    if source == "deno":
        path = root / "deno-benchmark-data" / "results-long.csv.gz"
        keys = ("group", "name", "stat")
        return {"|".join(k): v for k, v in long_table_series(path, keys, "value", min_len, "created_at").items()}
    if source == "mongodb":
        # mad_series.json repeats real_series.json; the profiling files repeat robust_series.json
        names = ("long_series", "real_series", "robust_series")
        loaded = {n: np.array(json.loads((root / "mongodb-spa-testdata" / f"{n}.json").read_text())) for n in names}
        return {n: v for n, v in loaded.items() if len(v) >= min_len}
    if source == "tigerbeetle":
        values = np.array(json.loads((root / "otava-tigerbeetle" / "tigerbeetle_series.json").read_text())["values"])
        return {"tigerbeetle": values} if len(values) >= min_len else {}
    raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")


def flatten(values: np.ndarray, window: int = 31) -> np.ndarray:
    """Divide by a centred rolling median. The median keeps edges sharp, so level shifts go
    and the noise stays; unlike removing some detector's segments, this favours no detector."""
    half = window // 2
    padded = np.concatenate(
        [np.full(half, np.median(values[: half + 1])), values, np.full(half, np.median(values[-half - 1 :]))]
    )
    return values / np.median(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1)
