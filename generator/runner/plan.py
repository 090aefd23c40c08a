"""The order in which repetitions run.

Repetitions are interleaved, never run back to back: round r runs every scenario
once, so slow drift of the machine spreads over all scenarios instead of landing
on one. With two sides (an A/B comparison) each round runs both, alternating
which goes first (base-head, head-base, ...), so a linear drift adds the same
amount to both sides and cancels out of the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from perfpages.model import CommitInfo, Scenario


class Phase(StrEnum):
    WARMUP = "warmup"
    MEASURE = "measure"
    INSTRUCTIONS = "instructions"


@dataclass(frozen=True)
class Side:
    """One checkout being measured: 'head', or 'base' in a comparison."""

    name: str
    commit: CommitInfo
    root: Path


@dataclass(frozen=True)
class Step:
    scenario: Scenario
    side: Side
    phase: Phase
    repetition: int


def plan(scenarios: tuple[Scenario, ...], sides: tuple[Side, ...]) -> list[Step]:
    """Warmups first, then interleaved measured rounds, then one callgrind pass per scenario and side."""
    steps = [Step(s, side, Phase.WARMUP, i) for s in scenarios for side in sides for i in range(s.warmup)]
    rounds = max((s.repetitions for s in scenarios), default=0)
    for r in range(rounds):
        order = sides if r % 2 == 0 else tuple(reversed(sides))
        steps += [Step(s, side, Phase.MEASURE, r) for s in scenarios if r < s.repetitions for side in order]
    steps += [Step(s, side, Phase.INSTRUCTIONS, 0) for s in scenarios if s.counts_instructions for side in sides]
    return steps
