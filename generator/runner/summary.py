"""Per-scenario figures shown after a run: sample count, median and coefficient of variation."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from perfpages.model import RunRecord, scenario_label


@dataclass(frozen=True)
class Row:
    scenario: str
    side: str
    metric: str
    unit: str
    direction: str
    n: int
    median: float
    cv: float | None  # stdev / mean; None with fewer than two samples or a zero mean

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "side": self.side,
            "metric": self.metric,
            "unit": self.unit,
            "direction": self.direction,
            "n": self.n,
            "median": self.median,
            "cv": self.cv,
        }


def coefficient_of_variation(samples: tuple[float, ...]) -> float | None:
    if len(samples) < 2:
        return None
    mean = statistics.fmean(samples)
    return statistics.stdev(samples) / abs(mean) if mean else None


def summarize(record: RunRecord) -> list[Row]:
    side_of = {record.head.sha: "head"} | ({record.base.sha: "base"} if record.base else {})
    return [
        Row(
            scenario_label(m.scenario, m.params),
            side_of[m.commit],
            m.metric,
            m.unit,
            m.direction.value,
            len(m.samples),
            statistics.median(m.samples),
            coefficient_of_variation(m.samples),
        )
        for m in record.measurements
    ]
