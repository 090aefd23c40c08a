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

from perfpages.analysis import fence as compat
from perfpages.analysis.environment import environment_change
from perfpages.analysis.noise import Noise, learn_noise
from perfpages.analysis.verdict import (
    SAMPLE_ALPHA,
    Verdict,
    direction_of,
    history_pvalue,
    known_level,
    minimum_detectable_effect,
    sample_pvalue,
)
from perfpages.model import Direction, Params, scenario_label

FALSE_ALARM_RATE = 0.05  # Benjamini-Hochberg level across all series of one comparison
_NO_SIZE = compat.Magnitude.VERY_SMALL  # the bucket of a change from 0, which has no relative size


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
    history_end: str = ""  # the nearest measured ancestor the history ends at, when the base has no run
    environments: tuple[str, str] = ("", "")  # (base, head) environments when measured in separate runs

    @property
    def label(self) -> str:
        return scenario_label(self.scenario, self.params)


@dataclass(frozen=True, slots=True)
class SeriesVerdict:
    series: SeriesInput
    base: float | None
    head: float | None
    change: float | None  # head / base - 1; None from a base of exactly 0 (see absolute_change)
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

    @property
    def used_defaults(self) -> bool:
        """Judged by the fence's fixed defaults: too little history to learn the noise from."""
        return self.noise is None and self.verdict is not Verdict.NO_BASELINE

    @property
    def absolute_change(self) -> float | None:
        """head - base: the size of a change from 0, which has no relative one."""
        return None if self.base is None or self.head is None else self.head - self.base


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

    @property
    def caveats(self) -> tuple[str, ...]:
        """What a reader must know about how the verdicts were reached, in plain sentences: series
        judged by fixed defaults, histories that end before the base, sides in different
        environments. Empty when every series was judged by its own history up to the base."""
        notes = []
        defaults = [f"{v.series.label} {v.series.metric}" for v in self.series if v.used_defaults]
        if defaults:
            notes.append(
                f"{len(defaults)} series judged by the fixed default thresholds, without noise learned from "
                f"history (it holds fewer than 3 runs with a relative change): {_listed(defaults)}."
            )
        for end, labels in _grouped((v.series.history_end, v) for v in self.series if v.series.history_end):
            notes.append(
                f"The base has no run of its own on main: noise was learned from the history up to {end[:12]}, "
                f"its nearest measured ancestor ({_listed(labels)})."
            )
        split = [v for v in self.series if v.verdict is Verdict.NO_BASELINE and v.series.environments[0]]
        for environments, labels in _grouped((v.series.environments, v) for v in split):
            notes.append(
                f"Base and head ran in different environments ({environment_change(*environments)}): no verdict for "
                f"{_listed(labels)}; measure both in one session with `perfpages run --against BASE`."
            )
        return tuple(notes)


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
    change: float | None
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


def _ratio(head: float, base: float) -> float | None:
    """head / base - 1, or None for a change from exactly 0: it has no relative size (an infinite
    one says nothing and is not JSON), so its absolute difference is what is shown."""
    return head / base - 1 if base else (0.0 if head == base else None)


def _finish(prepared: Prepared, q: float | None, per_test_alpha: float) -> SeriesVerdict:
    item = prepared.series
    comparable = _comparable(item)
    relative = prepared.change is not None
    # A change from exactly 0 crosses any relative threshold, but has no size to bucket.
    fence_significant = comparable and (not relative or abs(prepared.change) >= prepared.fence.threshold)
    size = compat.magnitude(prepared.change, prepared.fence.threshold, item.metric) if relative else _NO_SIZE
    # Better or worse by the difference: a relative change has the opposite sign below 0 (-5 to -6.5 is +30%).
    signed = prepared.head - prepared.base
    fence_verdict = direction_of(signed, item.direction) if fence_significant else Verdict.UNCHANGED
    if not comparable:
        fence_verdict = Verdict.NO_BASELINE
        verdict, reason, p_samples = Verdict.NO_BASELINE, _environment_reason(item), None
    else:
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
    if prepared.change is None:
        return _from_zero(prepared)
    if prepared.noise is None or q is None or prepared.level_change is None:
        # Too little history to learn noise: only the fence (with its defaults) can judge.
        if abs(prepared.change) < prepared.fence.threshold:
            return Verdict.UNCHANGED, "too little history; within the default threshold", None
        p_samples = sample_pvalue(item.base_samples, item.head_samples)
        if p_samples is None or p_samples < SAMPLE_ALPHA:
            moved = direction_of(prepared.head - prepared.base, item.direction)
            return moved, "beyond the default threshold", p_samples
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
    moved = prepared.head - prepared.noise.base_level  # by the difference, as the fence verdict
    return direction_of(moved, item.direction), f"beyond noise (q = {q:.2g})", p_samples


def _from_zero(prepared: Prepared) -> tuple[Verdict, str, float | None]:
    """A base of exactly 0 (say, no failed requests) and a head that is not: only the raw samples
    can say whether that is noise; with too few of them to test, the change is called."""
    item = prepared.series
    p_samples = sample_pvalue(item.base_samples, item.head_samples)
    moved = f"from 0 to {with_unit(prepared.head, item.unit)}"
    if p_samples is not None and p_samples >= SAMPLE_ALPHA:
        return Verdict.UNCHANGED, f"{moved}, but the raw samples overlap (Mann-Whitney p = {p_samples:.3f})", p_samples
    why = "too few samples to test" if p_samples is None else f"raw samples differ (Mann-Whitney p = {p_samples:.2g})"
    return direction_of(prepared.head - prepared.base, item.direction), f"{moved}; {why}", p_samples


def with_unit(value: float, unit: str, signed: bool = False) -> str:
    """A plain number with its unit, none for a dimensionless one ("1" or "")."""
    number = f"{value:+.6g}" if signed else f"{value:.6g}"
    return number if unit in ("", "1") else f"{number} {unit}"


def _comparable(item: SeriesInput) -> bool:
    """Base and head measured in one environment (or one A/B session): a CPU, kernel, governor or
    perfpages change between separate runs moves the value by itself, so it is no verdict."""
    before, after = item.environments
    return not (before and after and before != after)


def _environment_reason(item: SeriesInput) -> str:
    return f"base and head ran in different environments ({environment_change(*item.environments)}); not comparable"


def _listed(labels: list[str], shown: int = 5) -> str:
    more = f" and {len(labels) - shown} more" if len(labels) > shown else ""
    return ", ".join(labels[:shown]) + more


def _grouped(pairs) -> list[tuple[object, list[str]]]:
    """(group, verdict) pairs -> [(group, labels of its series)], in first-seen order."""
    groups: dict[object, list[str]] = {}
    for group, v in pairs:
        groups.setdefault(group, []).append(f"{v.series.label} {v.series.metric}")
    return list(groups.items())


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
