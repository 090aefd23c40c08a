"""Import every real history in ../shared/benchmark-data whose format perfpages reads, and check it.

For each dataset: the importer's run and point counts, `perfpages check`'s series and
point counts (a point is one commit of one series: repeated runs of a commit pool into
one), the expected counts from the dataset's README, and the time taken. Then the
change-point detection over the OpenBLAS and conda imports is compared with asv's own
published ``regressions.json``.

    python scenarios/import_bench.py [--json] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchdata import data_dir

from perfpages.analysis.history import analyse_history
from perfpages.analysis.series import build_series
from perfpages.importers import FORMATS
from perfpages.importers.convert import ImportOptions
from perfpages.importers.session import import_items
from perfpages.results.check import check_results, load_valid_runs
from perfpages.results.order import main_order


@dataclass(frozen=True)
class Dataset:
    name: str
    format: str
    source: str  # relative to the benchmark data folder
    inner: str = ""  # the folder inside an archive to import
    # expected: the dataset's README counts machine x env x benchmark x params; perfpages' asv
    # series also hold the benchmark's version, so a rewritten benchmark adds one (django: 669 -> 821)
    series: int | None = None
    points: int | None = None  # expected points (rows of its normalised table)


DATASETS = (
    Dataset("swc", "github-action-benchmark", "swc-raw-data/raw-per-commit-benchmark-data.tar.xz", "", 309, 178_444),
    Dataset("risc0", "github-action-benchmark", "risc0-ghpages/dev-bench-data.main-2025-10-16.js.xz", "", 41, 13_300),
    Dataset("pyo3", "github-action-benchmark", "pyo3-gh-pages/dev-bench-data.js.xz", "", 66, 12_548),
    Dataset("django-asv", "asv", "django-asv/raw-asv-results.tar.xz", "results", 821, 197_101),
    Dataset("rich", "asv", "asv-small/rich/results", "", None, 4_702),
    Dataset("metpy", "asv", "asv-small/metpy-benchmark/raw-asv-results.tar.xz", "results", 128, 7_441),
    Dataset("openblas", "asv", "asv-small/openblas-blas-benchmarks/raw-asv-results.tar.xz", "results", 1_470, 37_454),
    Dataset("conda", "asv", "asv-small/conda-benchmarks/raw-asv-results-v1.tar.xz", "results", 18, 5_916),
)


@dataclass(frozen=True)
class Outcome:
    name: str
    runs_written: int
    points_written: int
    empty_runs: int
    problems: int
    series: int
    distinct_points: int
    expected_series: int | None
    expected_points: int | None
    seconds: float


def source_path(root: Path, ds: Dataset, scratch: Path) -> Path:
    path = root / ds.source
    if path.name.endswith(".tar.xz"):
        target = scratch / f"{ds.name}-source"
        with tarfile.open(path) as archive:
            archive.extractall(target, filter="data")
        return target / ds.inner if ds.inner else target
    return path


def run_import(root: Path, ds: Dataset, scratch: Path) -> tuple[Outcome, Path]:
    src = source_path(root, ds, scratch)
    out = scratch / ds.name / "results"
    started = time.perf_counter()
    tally = import_items(FORMATS[ds.format]([src]), ImportOptions(ds.format), out, lambda sha: None)
    seconds = time.perf_counter() - started
    report = check_results(out)
    outcome = Outcome(
        ds.name,
        tally.written,
        tally.points,
        tally.empty,
        len(tally.problems) + len(report.problems),
        report.series,
        report.points,
        ds.series,
        ds.points,
        round(seconds, 2),
    )
    return outcome, out


ASV_NAME = re.compile(r"^(?P<name>[^(]+)(?:\((?P<params>.*)\))?$")


def asv_regressions(root: Path, ds: Dataset, src: Path, results: Path) -> list[dict]:
    """asv's published regressions next to what perfpages detects in the same series."""
    folder = root / Path(ds.source).parent
    regressions = json.loads((folder / "asv-published-regressions.json").read_text())["regressions"]
    index_file = folder / "asv-published-index.json"
    revisions = json.loads(index_file.read_text())["revision_to_hash"] if index_file.is_file() else {}
    benchmarks = json.loads((src / "benchmarks.json").read_text())
    runs = load_valid_runs(results)
    order = main_order(results, "main", runs).shas  # no repository: commit dates decide
    histories = [analyse_history(s) for s in build_series(runs, order)]
    position = {sha: i for i, sha in enumerate(order)}
    rows = []
    for name_params, _graph, machine_info, *_rest, ranges in regressions:
        match = ASV_NAME.match(name_params)
        name = match.group("name")
        values = [v.strip().strip("'\"") for v in match.group("params").split(",")] if match.group("params") else []
        names = benchmarks.get(name, {}).get("param_names", [])
        wanted = dict(zip(names, values, strict=False))
        machine = machine_info.get("machine")
        start, end = (revisions.get(str(ranges[0][0])), revisions.get(str(ranges[0][1])))
        # A regression on parameters these results do not have (conda's were published from another
        # machine, with a solver parameter the v1 results never had) has no series to compare with.
        comparable = len(values) == len(names) and start is not None
        found = [
            h
            for h in histories
            if comparable
            and h.series.key.scenario == name
            and (machine is None or h.series.key.machine == machine)
            and all(dict(h.series.key.params).get(k) == v for k, v in wanted.items())
        ]
        rows.append(
            {
                "asv": name_params,
                "machine": machine,
                "asv_range": [start, end] if start else ranges[0][:2],
                "asv_change": ranges[0][3] / ranges[0][2] - 1,
                "series_found": len(found),
                "ours": [_ours(h, start, end, position, series_tail(h, end, position)) for h in found],
            }
        )
    return rows


def series_tail(history, end: str, position: dict[str, int]) -> list[float]:
    """The values from asv's flagged commit on: what the runs after it say."""
    at = position.get(end, 10**9)
    return [p.value for p in history.series.points if position.get(p.commit, -1) >= at][:5]


def _ours(history, start: str, end: str, position: dict[str, int], tail: list[float]) -> dict:
    lo, hi = position.get(start, -1), position.get(end, 10**9)
    inside = [c for c in history.changes if lo < position.get(c.first_bad, -2) <= hi]
    pending = history.pending
    if inside:
        c = inside[0]
        return {"verdict": "confirmed", "first_bad": c.first_bad, "change": c.change}
    if pending and lo < position.get(pending.since, -2) <= hi:
        return {
            "verdict": "pending",
            "since": pending.since,
            "change": pending.change,
            "runs_to_confirm": pending.runs_to_confirm,
        }
    return {"verdict": "none", "changes_elsewhere": len(history.changes), "values_from_flagged_commit": tail}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", nargs="*", help="dataset names")
    args = parser.parse_args()
    root = data_dir()
    if root is None:
        print("benchmark data not found (../shared/benchmark-data or $PERFPAGES_BENCHMARK_DATA)", file=sys.stderr)
        return 1
    report = {"datasets": [], "asv_regressions": {}}
    with tempfile.TemporaryDirectory(prefix="perfpages-import-") as tmp:
        scratch = Path(tmp)
        for ds in DATASETS:
            if args.only and ds.name not in args.only:
                continue
            outcome, results = run_import(root, ds, scratch)
            report["datasets"].append(asdict(outcome))
            if ds.name in ("openblas", "conda"):
                src = source_path(root, ds, scratch / "again")
                report["asv_regressions"][ds.name] = asv_regressions(root, ds, src, results)
            if not args.json:
                print(outcome, file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, rows in report["asv_regressions"].items():
            for row in rows:
                print(name, row["asv"], row["machine"], [o["verdict"] for o in row["ours"]] or "no such series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
