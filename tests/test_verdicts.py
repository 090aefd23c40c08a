"""Verdicts: the fence rule's exact numbers, and perfpages' rule on seeded data with known answers."""

import itertools
from dataclasses import replace

import numpy as np
import pytest

from perfpages.analysis import fence
from perfpages.analysis.comparison import SeriesInput, compare
from perfpages.analysis.series import SampleIndex, build_series, comparison_inputs
from perfpages.analysis.verdict import Verdict
from perfpages.model import Direction, Measurement
from tests.conftest import make_commit, make_record


def history_with_changes(changes: list[float], start: float = 100.0) -> list[float]:
    values = [start]
    for i, change in enumerate(changes):
        values.append(values[-1] * (1 + (change if i % 2 else -change)))
    return values


def test_fence_is_q3_plus_three_iqr_with_interpolated_quartiles():
    history = history_with_changes([0.001 * k for k in range(1, 10)])  # 10 runs, 9 changes
    got = fence.fence(history, "wall_time")
    # quartiles of 0.001..0.009 by linear interpolation: 0.003 and 0.007
    assert got.method == "history-iqr" and got.history_points == 10
    assert got.threshold == pytest.approx(0.007 + 3 * 0.004, rel=1e-9)


def test_fewer_than_ten_runs_use_the_per_metric_default_and_floors_bound_the_threshold():
    short = history_with_changes([0.001] * 8)  # 9 runs
    assert (fence.fence(short, "wall_time").threshold, fence.fence(short, "wall_time").method) == (0.05, "default")
    assert fence.fence(short, "instructions").threshold == 0.002
    assert fence.fence(short, "max_rss").threshold == 0.001
    quiet = history_with_changes([0.00001] * 29)
    assert fence.fence(quiet, "instructions").threshold == 0.002
    assert fence.fence(quiet, "wall_time").threshold == 0.01
    assert fence.fence(quiet, "wall_time", {"wall_time": 0.03}).threshold == 0.03
    assert fence.fence(history_with_changes([0.001] * 60), "wall_time").history_points == fence.HISTORY_RUNS


def test_magnitude_buckets_follow_rustc_perf():
    assert fence.magnitude(0.05, 0.01, "wall_time") is fence.Magnitude.MEDIUM  # (3 + 4) // 2
    assert fence.magnitude(0.05, 0.01, "instructions") is fence.Magnitude.LARGE  # (3 + 5) // 2
    assert fence.magnitude(0.00005, 0.00001, "instructions") is fence.Magnitude.VERY_SMALL


def series(
    seed: int,
    change: float = 0.0,
    metric: str = "wall_time",
    direction=Direction.LOWER,
    n: int = 40,
    sigma: float = 0.01,
) -> SeriesInput:
    rng = np.random.default_rng(seed)
    history = tuple(100 * (1 + rng.normal(0, sigma, n)))
    base = tuple(history[-1] * (1 + rng.normal(0, sigma / 3, 5)))
    head = tuple(history[-1] * (1 + change) * (1 + rng.normal(0, sigma / 3, 5)))
    return SeriesInput(f"s{seed}", (), metric, "m", "u", direction, history, base, head)


def verdicts(*items: SeriesInput) -> list:
    return list(compare("a" * 40, "b" * 40, list(items)).series)


def test_a_clear_slowdown_is_a_regression_and_a_throughput_drop_too():
    (slower,) = verdicts(series(1, +0.10))
    assert slower.verdict is Verdict.REGRESSED and slower.fence_verdict is Verdict.REGRESSED
    (faster,) = verdicts(series(2, -0.10))
    assert faster.verdict is Verdict.IMPROVED
    (drop,) = verdicts(series(3, -0.10, metric="requests_per_s", direction=Direction.HIGHER))
    assert drop.verdict is Verdict.REGRESSED and drop.fence_verdict is Verdict.REGRESSED
    (rise,) = verdicts(series(4, +0.10, metric="requests_per_s", direction=Direction.HIGHER))
    assert rise.verdict is Verdict.IMPROVED


def test_changes_below_the_floor_are_unchanged_however_quiet_the_series():
    (quiet,) = verdicts(series(5, +0.005, sigma=0.0001))
    assert quiet.verdict is Verdict.UNCHANGED and "floor" in quiet.reason


def test_pure_noise_suites_rarely_raise_any_alarm():
    flagged = 0
    for seed in range(30):
        report = compare("a" * 40, "b" * 40, [series(1000 * seed + i) for i in range(150)])
        flagged += bool(report.regressions or report.improvements)
    assert flagged <= 4  # about 5% of 30 is expected; the fence rule flags most of these suites


def test_a_flip_between_known_levels_is_not_a_regression():
    rng = np.random.default_rng(7)
    levels = np.where(rng.random(40) < 0.5, 100.0, 112.0) * (1 + rng.normal(0, 0.002, 40))
    levels[-1] = 100.0
    item = SeriesInput("flip", (), "wall_time", "m", "s", Direction.LOWER, tuple(levels), (100.0,) * 5, (112.0,) * 5)
    (v,) = verdicts(item)
    assert v.noise.bimodal is not None and v.verdict is Verdict.UNCHANGED and "bimodal" in v.reason


def test_overlapping_raw_samples_veto_a_change():
    rng = np.random.default_rng(8)
    history = tuple(100 * (1 + rng.normal(0, 0.001, 40)))
    wide = (80.0, 90.0, 100.0, 110.0, 120.0)
    item = SeriesInput("wide", (), "wall_time", "m", "s", Direction.LOWER, history, wide, tuple(w * 1.03 for w in wide))
    (v,) = verdicts(item)
    assert v.verdict is Verdict.UNCHANGED and "Mann-Whitney" in v.reason


def test_the_sample_test_only_speaks_when_it_can_reach_significance():
    from perfpages.analysis.verdict import sample_pvalue

    assert sample_pvalue((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)) is None  # 3 v 3: p >= 0.1 at best
    assert sample_pvalue((1.0, 2.0, 3.0, 4.0), (5.0, 6.0, 7.0, 8.0)) == pytest.approx(2 / 70)


def test_every_series_reports_a_minimum_detectable_effect_above_its_floor():
    report = compare("a" * 40, "b" * 40, [series(i) for i in range(20)])
    assert all(0.01 <= v.mde < 0.2 for v in report.series)
    assert report.expected_false_alarms == 0.05 and report.expected_false_alarms_fence > 0


def test_missing_and_new_series_are_listed():
    gone = SeriesInput("gone", (), "wall_time", "m", "s", Direction.LOWER, (1.0,), (1.0,), ())
    new = SeriesInput("new", (), "wall_time", "m", "s", Direction.LOWER, (), (), (1.0,))
    report = compare("a" * 40, "b" * 40, [series(1), gone, new])
    assert report.missing == ("gone wall_time",) and report.new == ("new wall_time",)


def runs_on_main(shas: list[str], values: list[float], rng) -> list:
    return [
        make_record(
            run_id=f"r{i}",
            head=make_commit(sha),
            measurements=(
                Measurement("parse", "wall_time", "s", Direction.LOWER, sha, tuple(v * (1 + rng.normal(0, 0.002, 3)))),
            ),
        )
        for i, (sha, v) in enumerate(zip(shas, values, strict=True))
    ]


def test_a_permalinked_comparison_does_not_change_when_later_runs_land_on_main():
    rng = np.random.default_rng(11)
    shas = [f"{i:040x}" for i in range(1, 41)]
    values = list(100 * (1 + rng.normal(0, 0.01, 40)))
    runs = runs_on_main(shas[:30], values[:30], rng)
    head = f"{999:040x}"
    pr = make_record(
        run_id="pr",
        head=make_commit(head),
        measurements=(Measurement("parse", "wall_time", "s", Direction.LOWER, head, (110.0, 110.5, 109.8)),),
    )
    base = shas[29]

    def report(all_runs):
        built = build_series(all_runs, shas)
        return compare(base, head, comparison_inputs(built, SampleIndex.of(all_runs), base, head))

    before = report([*runs, pr])
    later = runs_on_main(shas[30:], values[30:], rng)
    after = report([*runs, pr, *later])
    assert before == after
    assert before.series[0].verdict is Verdict.REGRESSED


def test_history_attributes_changes_to_commit_ranges_and_environment_changes_are_discontinuities():
    from perfpages.analysis.history import analyse_history

    rng = np.random.default_rng(12)
    shas = [f"{i:040x}" for i in range(1, 61)]
    values = 100 * (1 + rng.normal(0, 0.005, 60))
    values[20:] *= 1.08  # a regression at commit 21
    values[40:] *= 0.85  # a new machine at commit 41: a discontinuity, not an improvement
    values[-3:] *= 1.1  # the newest three runs moved: pending
    runs = runs_on_main(shas, list(values), rng)
    for run in runs[:40]:
        run.fingerprint.pop("kernel", None)  # an imported history without one: "unknown", never Python's None
    for run in runs[40:]:
        run.fingerprint["kernel"] = "6.2"
    (built,) = build_series(runs, shas)
    history = analyse_history(built)
    (change,) = history.changes
    assert (change.last_good, change.first_bad, change.verdict) == (shas[19], shas[20], Verdict.REGRESSED)
    assert change.change == pytest.approx(0.08, abs=0.01)
    (jump,) = history.discontinuities
    assert jump.at == shas[40] and "6.2" in jump.environment
    assert jump.change == "kernel: unknown → 6.2"  # what changed, not only where it went
    assert history.pending is not None and history.pending.since == shas[57]
    assert history.pending.runs_to_confirm == 2 and history.pending.verdict is Verdict.REGRESSED


@pytest.mark.parametrize(
    ("relevant", "expected"),
    [
        ([], None),
        ([(False, fence.Magnitude.SMALL)], "improvement"),
        ([(True, fence.Magnitude.LARGE), (True, fence.Magnitude.SMALL)], "regression"),
        ([(True, fence.Magnitude.MEDIUM), (False, fence.Magnitude.MEDIUM)], "mixed"),
        ([(False, fence.Magnitude.LARGE)] * 9 + [(True, fence.Magnitude.SMALL)], "improvement"),  # 10% < 15%
        ([(False, fence.Magnitude.LARGE)] * 4 + [(True, fence.Magnitude.SMALL)], "mixed"),  # 20% >= 15%
        ([(True, fence.Magnitude.SMALL)] * 19 + [(False, fence.Magnitude.SMALL)], "regression"),  # 95% > 90%
        ([(True, fence.Magnitude.SMALL)] * 3 + [(False, fence.Magnitude.SMALL)] * 2, "mixed"),
    ],
)
def test_summary_direction_follows_rustc_perf(relevant, expected):
    assert fence.summary_direction(relevant) == expected


def _mixed_windows(rng: np.random.Generator, rows: int = 60, length: int = 40) -> np.ndarray:
    """Plain noise, recent shifts, a bimodal flip-flop and a series with zeros, side by side."""
    block = 100 * (1 + 0.01 * rng.standard_normal((rows, length)))
    block[1::4, -3:] *= 1.08  # a shift too recent to confirm
    block[2::4, -7:] *= 0.95
    block[3::4] = np.where(rng.random((len(block[3::4]), length)) < 0.5, 100.0, 110.0) * (
        1 + 0.002 * rng.standard_normal((len(block[3::4]), length))
    )
    block[4, ::5] = 0.0
    return block


def test_noise_learned_for_a_block_equals_noise_learned_one_history_at_a_time():
    from perfpages.analysis.noise import learn_noise, learn_noise_rows

    block = _mixed_windows(np.random.default_rng(3))
    together = learn_noise_rows(block)
    assert any(n is not None and n.bimodal is not None for n in together)
    assert any(n is not None and n.base_points < 10 for n in together)  # some recent shifts were seen
    assert together == [learn_noise(row) for row in block]


def test_fences_learned_for_a_block_equal_fences_one_at_a_time():
    block = _mixed_windows(np.random.default_rng(4))[:, -fence.HISTORY_RUNS :]
    assert fence.fence_rows(block, "wall_time") == [fence.fence(row, "wall_time") for row in block]


def test_comparisons_with_priors_learned_ahead_equal_comparisons_that_learn_them():
    from perfpages.analysis.comparison import compare
    from perfpages.analysis.priors import PriorRequest, learn_priors
    from perfpages.analysis.series import SampleIndex, SeriesKey

    rng = np.random.default_rng(5)
    shas = [f"{i:040x}" for i in range(30)]
    values = 100 * (1 + 0.01 * rng.standard_normal(30))
    runs = runs_on_main(shas, values, rng)
    head = f"{999:040x}"
    pr = make_record(
        run_id="pr",
        head=make_commit(head),
        base=make_commit(shas[20]),
        measurements=(
            Measurement("parse", "wall_time", "s", Direction.LOWER, shas[20], tuple(values[20] * np.ones(5))),
            Measurement("parse", "wall_time", "s", Direction.LOWER, head, tuple(values[20] * 1.2 * np.ones(5))),
        ),
    )
    built = build_series([*runs, pr], shas)
    index = SampleIndex.of([*runs, pr])
    inputs = comparison_inputs(built, index, shas[20], head)
    priors = learn_priors([PriorRequest(built[0], shas[20])], {})
    key = SeriesKey("bench-1", "parse", (), "wall_time")
    ahead = compare(shas[20], head, inputs, None, lambda i: priors.get((key, shas[20])))
    assert ahead == compare(shas[20], head, inputs)
    assert ahead.regressions


def test_mann_whitney_matches_scipy_with_and_without_ties():
    from scipy.stats import mannwhitneyu

    from perfpages.analysis.mannwhitney import mann_whitney_p

    rng = np.random.default_rng(0)
    for i in range(600):
        n, m = rng.integers(3, 14, 2)
        a, b = rng.normal(0, 1, n), rng.normal(rng.choice([0, 0.5, 2]), 1, m)
        if i % 3 == 0:  # ties
            a, b = np.round(a, 1), np.round(b, 1)
        assert mann_whitney_p(a, b) == pytest.approx(mannwhitneyu(a, b).pvalue, abs=1e-12)


def test_average_ranks_match_scipy():
    from scipy.stats import rankdata as scipy_ranks

    from perfpages.analysis.mannwhitney import rankdata

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 60, 2000):
        for ties in (False, True):
            x = rng.integers(0, 6, n).astype(float) if ties else rng.normal(size=n)
            assert np.array_equal(rankdata(x), scipy_ranks(x))


def instruction_runs(shas: list[str], values: list[float]) -> list:
    return [
        make_record(
            run_id=f"r{i}",
            head=make_commit(sha),
            measurements=(Measurement("parse", "instructions", "count", Direction.LOWER, sha, (v,)),),
        )
        for i, (sha, v) in enumerate(zip(shas, values, strict=True))
    ]


def test_a_level_shift_below_the_metric_floor_is_neither_a_change_nor_pending_nor_unconfirmed():
    from perfpages.analysis.history import analyse_history
    from perfpages.analysis.steps import main_steps

    rng = np.random.default_rng(4)
    shas = [f"{i:040x}" for i in range(1, 61)]
    values = 1e9 * (1 + rng.normal(0, 1e-7, 60))
    values[30:] *= 1.00002  # +0.002%: 200 sigmas, far below the 0.2% floor of instruction counts
    values[-3:] *= 1.00002  # and again in the newest three runs
    (built,) = build_series(instruction_runs(shas, list(values)), shas)
    history = analyse_history(built, floors={"instructions": 0.002})
    assert history.changes == () and history.pending is None and history.below_floor == 2
    assert all(step.shifted == () for step in main_steps([history], shas))
    assert analyse_history(built).changes == ()  # rustls's floor applies without a configured one
    finer = analyse_history(built, floors={"instructions": 0.00001})
    assert [c.first_bad for c in finer.changes] == [shas[30]] and finer.pending is not None


def test_pooled_commit_runs_drop_a_run_its_rerun_disagrees_with_but_pool_runs_that_agree():
    sha = "c" * 40
    first = make_record(
        run_id="first",
        started_at="2026-11-02T00:00:00Z",
        measurements=(Measurement("parse", "wall_time", "s", Direction.LOWER, sha, (40.0, 41.0, 39.5)),),
        head=make_commit(sha),
    )
    rerun = make_record(
        run_id="rerun",
        started_at="2026-11-03T00:00:00Z",
        measurements=(Measurement("parse", "wall_time", "s", Direction.LOWER, sha, (20.0, 20.2, 19.9)),),
        head=make_commit(sha),
    )
    again = make_record(
        run_id="again",
        started_at="2026-11-04T00:00:00Z",
        measurements=(Measurement("parse", "wall_time", "s", Direction.LOWER, sha, (20.1, 19.8, 20.3)),),
        head=make_commit(sha),
    )
    (series,) = build_series([again, first, rerun], [sha])
    assert series.values == (20.05,) and series.superseded == 1
    (pooled,) = SampleIndex.of([again, first, rerun]).pooled[sha].values()
    assert sorted(pooled) == [19.8, 19.9, 20.0, 20.1, 20.2, 20.3]


def test_an_environment_reads_as_named_fields_with_missing_ones_unknown():
    from perfpages.analysis.environment import describe, environment_change, environment_of

    run = make_record(run_id="r", head=make_commit("a" * 40), measurements=())
    run.fingerprint.clear()
    run.fingerprint.update({"cpu_model": "Xeon", "kernel": None, "governor": ""})
    found = environment_of(run)
    assert "None" not in found
    assert describe(found) == f"cpu_model: Xeon · kernel: unknown · governor: unknown · perfpages {run.tool_version}"
    run.fingerprint["cpu_model"] = "EPYC"
    assert environment_change(found, environment_of(run)) == "cpu_model: Xeon → EPYC"


def test_environments_that_recur_are_one_mix_and_new_ones_stay_listed():
    from perfpages.analysis.history import Discontinuity, EnvironmentMix, SeriesHistory, environment_events

    amd, intel, newer = (f"{cpu} | 6.1 | performance | perfpages 0.2" for cpu in ("EPYC", "Xeon", "Xeon 2"))

    def history(*envs: str) -> SeriesHistory:
        pairs = enumerate(itertools.pairwise(envs), 1)
        breaks = tuple(Discontinuity(None, f"{i}" * 40, after, before) for i, (before, after) in pairs)
        return SeriesHistory(None, (), None, breaks)

    upgrades = history(amd, intel, newer)  # two real changes of machine: each one listed
    assert [type(e) for e in environment_events(upgrades)] == [Discontinuity, Discontinuity]
    (mix,) = environment_events(history(amd, intel, amd, intel))
    assert mix == EnvironmentMix("1" * 40, "3" * 40, 3, (amd, intel))
    assert mix.spread == "cpu_model: EPYC / Xeon"
    assert environment_events(history(amd)) == []


def test_mann_whitney_exact_p_for_a_short_sample_against_a_long_one():
    """5 runs against 1,200 (a long imported history): the exact test must not overflow the stack."""
    from scipy.stats import mannwhitneyu

    from perfpages.analysis.mannwhitney import _counts, mann_whitney_p

    _counts.cache_clear()
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 5), rng.normal(0.5, 1, 1200)
    assert mann_whitney_p(a, b) == pytest.approx(mannwhitneyu(a, b).pvalue, abs=1e-12)


def test_the_overview_figure_compares_runs_of_one_environment_only():
    from perfpages.site.overview import _lookback

    shas = [f"{i:040x}" for i in range(1, 9)]
    runs = []
    for i, sha in enumerate(shas):
        cpu, value = ("EPYC", 0.100) if i % 2 else ("Xeon", 0.080)  # no code change: the CPU sets the level
        m = Measurement("encode", "wall_time", "s", Direction.LOWER, sha, (value * (1 + i / 1000),))
        run = make_record(run_id=f"r{i}", head=make_commit(sha), measurements=(m,))
        run.fingerprint["cpu_model"] = cpu
        runs.append(run)
    (series,) = build_series(runs, shas)
    assert _lookback(series) == "+0.6%"  # EPYC at run 7 against EPYC at run 1, not +25% against a Xeon run
    (alone,) = build_series(runs[:2], shas)
    assert "new environment" in _lookback(alone)


def test_a_pending_shift_from_zero_reads_as_an_absolute_size():
    from perfpages.analysis.history import analyse_history
    from perfpages.render.comparison import shift_label

    shas = [f"{i:040x}" for i in range(1, 21)]
    runs = [
        make_record(
            run_id=f"r{i}",
            head=make_commit(sha),
            measurements=(Measurement("post", "failed_ratio", "1", Direction.LOWER, sha, (0.02 if i >= 17 else 0.0,)),),
        )
        for i, sha in enumerate(shas)
    ]
    (series,) = build_series(runs, shas)
    p = analyse_history(series).pending
    assert (p.before, p.after) == (0.0, 0.02)
    assert shift_label(p.change, p.before, p.after, series.unit) == "+0.02 (from 0)"


def test_a_negative_metric_that_falls_is_better_when_lower_is_better():
    """-5 to -6.5 is a +30% relative change, yet lower: both verdicts said 'regressed' while the
    change points of the same series (by the difference) said 'improved'."""
    falls = series(11, +0.30)
    negative = replace(
        falls,
        history=tuple(-v for v in falls.history),
        base_samples=tuple(-v for v in falls.base_samples),
        head_samples=tuple(-v for v in falls.head_samples),
    )
    (v,) = verdicts(negative)
    assert v.change > 0.25
    assert v.verdict is Verdict.IMPROVED and v.fence_verdict is Verdict.IMPROVED
    (few,) = verdicts(replace(negative, history=()))  # judged by the default threshold
    assert few.verdict is Verdict.IMPROVED


def test_an_ab_rerun_that_disagrees_replaces_the_run_before_it():
    """A PR head measured twice (a regression, then a re-run without one) was judged on both runs'
    samples pooled: a head median neither run measured, and 'unchanged' for a +24% change."""
    from perfpages.analysis.series import SampleIndex, SeriesKey

    base, head = "b" * 40, "c" * 40

    def ab(run_id: str, started: str, head_level: float, base_level: float = 1.0):
        return make_record(
            run_id=run_id,
            started_at=started,
            head=make_commit(head),
            base=make_commit(base),
            measurements=(
                Measurement("parse", "wall_time", "s", Direction.LOWER, base, (base_level, base_level * 1.01)),
                Measurement("parse", "wall_time", "s", Direction.LOWER, head, (head_level, head_level * 1.01)),
            ),
        )

    key = SeriesKey("bench-1", "parse", (), "wall_time")
    first, rerun = ab("first", "2026-11-02T00:00:00Z", 1.5), ab("rerun", "2026-11-03T00:00:00Z", 1.0)
    sides = SampleIndex.of([rerun, first]).sides(base, head)
    assert sides[(key, head)] == (1.0, 1.01) and sides[(key, base)] == (1.0, 1.01)
    agrees = ab("agrees", "2026-11-04T00:00:00Z", 1.005)
    sides = SampleIndex.of([first, rerun, agrees]).sides(base, head)
    assert sorted(sides[(key, head)]) == [1.0, 1.005, 1.01, 1.01505]  # runs that agree still pool
