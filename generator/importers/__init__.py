"""Importers: other benchmark tools' output -> perfpages results files.

Each module reads one format and yields ``SourceRun``s and ``Problem``s (see base.py);
``FORMATS`` maps the names `perfpages import` accepts to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from perfpages.importers import (
    asv,
    bmf,
    criterion,
    gab,
    google_benchmark,
    gotest,
    hyperfine,
    k6,
    pyperf,
    pytest_benchmark,
    wrk,
)
from perfpages.importers.base import Item

Reader = Callable[[list[Path]], Iterator[Item]]

FORMATS: dict[str, Reader] = {
    "github-action-benchmark": gab.read,
    "asv": asv.read,
    "pytest-benchmark": pytest_benchmark.read,
    "criterion": criterion.read,
    "google-benchmark": google_benchmark.read,
    "hyperfine": hyperfine.read,
    "k6": k6.read,
    "wrk": wrk.read,
    "go": gotest.read,
    "bmf": bmf.read,
    "pyperf": pyperf.read,
}
