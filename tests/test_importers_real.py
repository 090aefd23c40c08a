"""Real histories from ../shared/benchmark-data imported with the expected counts.

Runs scenarios/import_bench.py's steps. The data is third-party and lives outside the
repository; these tests skip, saying so, when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scenarios"))

import import_bench
from benchdata import data_dir

ROOT = data_dir()
pytestmark = pytest.mark.skipif(ROOT is None, reason="../shared/benchmark-data is not here (third-party data)")


@pytest.mark.slow
@pytest.mark.parametrize("dataset", import_bench.DATASETS, ids=lambda d: d.name)
def test_real_dataset_imports_with_its_readme_counts(dataset, tmp_path):
    outcome, _ = import_bench.run_import(ROOT, dataset, tmp_path)
    assert outcome.problems == 0
    assert outcome.points_written == dataset.points
    if dataset.series is not None:
        assert outcome.series == dataset.series
    # Repeated runs of one commit pool into one point: only the github-action-benchmark
    # histories have them (a suite benchmarked twice at one commit).
    assert outcome.distinct_points <= outcome.points_written
    if dataset.name == "pyo3":  # the smallest with commit metadata in the source: import it again
        again, _ = import_bench.run_import(ROOT, dataset, tmp_path)
        assert again.runs_written == 0


@pytest.mark.slow
def test_asv_published_openblas_regressions_are_one_run_outliers(tmp_path):
    dataset = next(d for d in import_bench.DATASETS if d.name == "openblas")
    _, results = import_bench.run_import(ROOT, dataset, tmp_path)
    src = import_bench.source_path(ROOT, dataset, tmp_path / "again")
    rows = import_bench.asv_regressions(ROOT, dataset, src, results)
    assert len(rows) == 3 and all(row["series_found"] == 1 for row in rows)
    for row in rows:
        (ours,) = row["ours"]
        # asv flags the newest commit but one; the run after it is back at the old level,
        # and perfpages calls neither a change nor a pending one.
        flagged, after = ours["values_from_flagged_commit"]
        assert ours["verdict"] == "none" and after < flagged / (1 + row["asv_change"] / 2)
