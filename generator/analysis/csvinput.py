"""Read the CSV series `perfpages detect` accepts: a header row, one row per point in order.

Values come from the column named ``value``, or else the last column. A ``commit`` or
``label`` column is echoed back with each change point.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from perfpages.errors import PerfpagesError

ECHOED = ("commit", "label")


@dataclass(frozen=True)
class CsvSeries:
    path: str
    values: tuple[float, ...]
    tags: tuple[dict[str, str], ...]  # per point: the echoed columns present


def read_csv_series(path: str) -> CsvSeries:
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise PerfpagesError(f"{path}: cannot read: {exc}") from None
    if not rows or not rows[0]:
        raise PerfpagesError(f"{path}: line 1: expected a header row, e.g. commit,value")
    header = [h.strip() for h in rows[0]]
    column = header.index("value") if "value" in header else len(header) - 1
    echoed = [(name, header.index(name)) for name in ECHOED if name in header]
    values, tags = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values.append(_number(path, line, header[column], row, column))
        tags.append({name: row[i] for name, i in echoed if i < len(row)})
    return CsvSeries(path, tuple(values), tuple(tags))


def _number(path: str, line: int, field: str, row: list[str], column: int) -> float:
    if column >= len(row):
        raise PerfpagesError(f"{path}: line {line}: {field}: missing; the row has only {len(row)} columns")
    try:
        value = float(row[column])
    except ValueError:
        raise PerfpagesError(f"{path}: line {line}: {field}: {row[column]!r} is not a number") from None
    if not math.isfinite(value):
        raise PerfpagesError(f"{path}: line {line}: {field}: {row[column]!r} is not a finite number")
    return value
