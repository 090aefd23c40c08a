"""Compare every series between a base and a head commit, with suite-wide false-alarm control.

Each comparison is a pure function of (history up to the base, base samples, head
samples), so a permalinked PR page computed from it never changes when later runs
land on main. The thresholds used are frozen into the result.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from generator.analysis import fence as compat
from generator.analysis.noise import Noise, learn_noise
from generator.analysis.verdict import (
    SAMPLE_ALPHA,
    Verdict,
    direction_of,
    history_pvalue,
    known_level,
    minimum_detectable_effect,
    sample_pvalue,
)
from generator.model import Direction, Params, scenario_label

FALSE_ALARM_RATE = 0.05  # Benjamini-Hochberg level across all series of one comparison


@dataclass(frozen=True, slots=True)
class SeriesInput:
    scenario: str
    params: Params
    metric: str
    machine: str
    unit: str
    direction: Direction
    history: tuple[float, ...]  # point values on main up to and including the base
    base_samples: tuple[float, ...]
    head_samples: tuple[float, ...]

    @property
    def label(self) -> str:
        return scenario_label(self.scenario, self.params)


@dataclass(frozen=True, slots=True)
class SeriesVerdict:
    series: SeriesInput
    base: float | None
    head: float | None
    change: float | None  # head / base - 1
    fence: compat.Fence
    magnitude: compat.Magnitude
    fence_verdict: Verdict  # the rustc-perf / rustls rule
    relevant: bool  # fence-significant and at least SMALL (rustc-perf)
    noise: Noise | None
    level_change: float | None  # head / base level - 1: what our rule tests
    p_history: float | None
    q_value: float | None  # Benjamini-Hochberg adjusted
    p_samples: float | None  # None when the verdict did not need the raw-sample test
    mde: float  # minimum detectable effect at this comparison's per-series level
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class ComparisonReport:
    base: str
    head: str
    series: tuple[SeriesVerdict, ...]
    false_alarm_rate: float
    expected_false_alarms_fence: float  # what the fence rule would raise on pure noise
    expected_false_alarms: float  # ours, from the BH level
    missing: tuple[str, ...]  # labels measured at base only
    new: tuple[str, ...]  # labels measured at head only

    @property
    def fence_direction(self) -> str | None:
        """The compatible rule's overall direction (rustc-perf's summary layer)."""
        relevant = [(v.fence_verdict is Verdict.REGRESSED, v.magnitude) for v in self.series if v.relevant]
        return compat.summary_direction(relevant)

    @property
    def regressions(self) -> tuple[SeriesVerdict, ...]:
        return tuple(s for s in self.series if s.verdict is Verdict.REGRESSED)

    @property
    def changed(self) -> tuple[SeriesVerdict, ...]:
        """Regressions and improvements, in series order."""
        return tuple(s for s in self.series if s.verdict in (Verdict.REGRESSED, Verdict.IMPROVED))

    @property
    def improvements(self) -> tuple[SeriesVerdict, ...]:
        return tuple(s for s in self.series if s.verdict is Verdict.IMPROVED)


@dataclass(frozen=True, slots=True)
class Priors:
    """What the history up to the base says about one series, learned ahead (for many bases at once)."""

    noise: Noise | None
    fence: compat.Fence


def compare(
    base: str,
    head: str,
    inputs: list[SeriesInput],
    floors: dict[str, float] | None = None,
    priors: Callable[[SeriesInput], Priors] | None = None,
) -> ComparisonReport:
    """``priors``, when given, supplies each series' noise and fence instead of learning them here."""
    prepared = [prepare(i, floors, priors(i) if priors else None) for i in inputs if i.base_samples and i.head_samples]
    return judge(base, head, prepared, inputs)


def judge(base: str, head: str, prepared: list[Prepared], inputs: list[SeriesInput] = ()) -> ComparisonReport:
    """Verdicts for prepared series judged together: false alarms are controlled across them."""
    qvalues = _benjamini_hochberg([f.p_history for f in prepared])
    per_test = FALSE_ALARM_RATE / max(1, len(prepared))  # BH's strictest step, for the MDE
    verdicts = tuple(_finish(f, q, per_test) for f, q in zip(prepared, qvalues, strict=True))
    return ComparisonReport(
        base=base,
        head=head,
        series=verdicts,
        false_alarm_rate=FALSE_ALARM_RATE,
        expected_false_alarms_fence=sum(_fence_false_alarms(v) for v in verdicts),
        expected_false_alarms=FALSE_ALARM_RATE if verdicts else 0.0,
        missing=tuple(sorted({f"{i.label} {i.metric}" for i in inputs if i.base_samples and not i.head_samples})),
        new=tuple(sorted({f"{i.label} {i.metric}" for i in inputs if i.head_samples and not i.base_samples})),
    )


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything about one series that does not depend on the rest of the suite."""

    series: SeriesInput
    base: float
    head: float
    change: float
    fence: compat.Fence
    noise: Noise | None
    level_change: float | None
    p_history: float | None


def prepare(item: SeriesInput, floors: dict[str, float] | None = None, priors: Priors | None = None) -> Prepared:
    base, head = statistics.median(item.base_samples), statistics.median(item.head_samples)
    if priors is None:
        history = item.history or (base,)
        priors = Priors(learn_noise(history), compat.fence(history, item.metric, floors))
    noise = priors.noise
    level_change = head / noise.base_level - 1 if noise and noise.base_level else None
    p = history_pvalue(level_change, noise) if noise is not None and level_change is not None else None
    return Prepared(item, base, head, _ratio(head, base), priors.fence, noise, level_change, p)


def _ratio(head: float, base: float) -> float:
    return head / base - 1 if base else (0.0 if head == base else float("inf"))


def _finish(prepared: Prepared, q: float | None, per_test_alpha: float) -> SeriesVerdict:
    item = prepared.series
    fence_significant = abs(prepared.change) >= prepared.fence.threshold
    size = compat.magnitude(prepared.change, prepared.fence.threshold, item.metric)
    fence_verdict = direction_of(prepared.change, item.direction) if fence_significant else Verdict.UNCHANGED
    verdict, reason, p_samples = _our_verdict(prepared, q)
    return SeriesVerdict(
        series=item,
        base=prepared.base,
        head=prepared.head,
        change=prepared.change,
        fence=prepared.fence,
        magnitude=size,
        fence_verdict=fence_verdict,
        relevant=fence_significant and size >= compat.Magnitude.SMALL,
        noise=prepared.noise,
        level_change=prepared.level_change,
        p_history=prepared.p_history,
        q_value=q,
        p_samples=p_samples,
        mde=minimum_detectable_effect(prepared.noise, prepared.fence.floor, per_test_alpha),
        verdict=verdict,
        reason=reason,
    )


def _our_verdict(prepared: Prepared, q: float | None) -> tuple[Verdict, str, float | None]:
    """The verdict, why, and the raw-sample p-value when the verdict got as far as needing it.

    The Mann-Whitney test is the last gate and the slowest step, so it runs only for a
    series that passed every other gate."""
    item = prepared.series
    if prepared.noise is None or q is None or prepared.level_change is None:
        # Too little history to learn noise: only the fence (with its defaults) can judge.
        if abs(prepared.change) < prepared.fence.threshold:
            return Verdict.UNCHANGED, "too little history; within the default threshold", None
        p_samples = sample_pvalue(item.base_samples, item.head_samples)
        if p_samples is None or p_samples < SAMPLE_ALPHA:
            return direction_of(prepared.change, item.direction), "beyond the default threshold", p_samples
        return Verdict.UNCHANGED, "too little history; within the default threshold", p_samples
    if known_level(prepared.noise, prepared.head):
        return Verdict.UNCHANGED, "at a level this bimodal series already flips between", None
    if abs(prepared.level_change) < prepared.fence.floor:
        return Verdict.UNCHANGED, f"below the {prepared.fence.floor:.2%} floor", None
    if abs(prepared.change) < prepared.fence.floor or prepared.change * prepared.level_change < 0:
        # The base run itself moved and the head agrees with it: the PR did not make this change.
        return Verdict.UNCHANGED, "the head matches the base run; the shift came before the base", None
    if q >= FALSE_ALARM_RATE:
        return Verdict.UNCHANGED, f"within noise (q = {q:.3f})", None
    p_samples = sample_pvalue(item.base_samples, item.head_samples)
    if p_samples is not None and p_samples >= SAMPLE_ALPHA:
        return Verdict.UNCHANGED, f"raw samples overlap (Mann-Whitney p = {p_samples:.3f})", p_samples
    return direction_of(prepared.level_change, item.direction), f"beyond noise (q = {q:.2g})", p_samples


def _benjamini_hochberg(pvalues: list[float | None]) -> list[float | None]:
    present = [(p, i) for i, p in enumerate(pvalues) if p is not None]
    out: list[float | None] = [None] * len(pvalues)
    if not present:
        return out
    m = len(present)
    ordered = sorted(present)
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = ordered[rank - 1]
        running = min(running, p * m / rank)
        out[i] = running
    return out


def _fence_false_alarms(v: SeriesVerdict) -> float:
    """Chance that pure noise crosses this series' fence: base and head are one point each."""
    if v.noise is None or v.noise.sigma <= 0:
        return 0.0
    return float(2 * ndtr(-v.fence.threshold / (v.noise.sigma * np.sqrt(2))))
