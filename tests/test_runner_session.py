"""The runner with a scripted executor: ordering, metrics, failures that do not stop the run."""

from pathlib import Path

from perfpages.model import Command, Direction, MetricSpec
from perfpages.runner.executor import Execution
from perfpages.runner.plan import Phase, Side, plan
from perfpages.runner.session import RunOptions, measure
from tests.conftest import SHA_A, SHA_B, FakeExecutor, make_commit, make_scenario, ok_execution

HEAD = Side("head", make_commit(SHA_A), Path("/head"))
BASE = Side("base", make_commit(SHA_B), Path("/base"))
OPTIONS = RunOptions(machine="m", run_id="r")
RATE = MetricSpec("rate", "1/s", Direction.HIGHER, json_pointer="/rate")


def run(scenarios, executor, sides=(HEAD,), **kw):
    return measure(tuple(scenarios), sides, executor, OPTIONS, {"cpu_model": "fake"}, **kw)


def test_ab_rounds_alternate_which_side_goes_first():
    a, b = make_scenario("a", repetitions=4), make_scenario("b", repetitions=2)
    measured = [(s.scenario.name, s.side.name) for s in plan((a, b), (BASE, HEAD)) if s.phase is Phase.MEASURE]
    assert measured == [
        ("a", "base"),
        ("a", "head"),
        ("b", "base"),
        ("b", "head"),  # round 0: base first
        ("a", "head"),
        ("a", "base"),
        ("b", "head"),
        ("b", "base"),  # round 1: head first
        ("a", "base"),
        ("a", "head"),
        ("a", "head"),
        ("a", "base"),
    ]


def test_warmups_come_first_and_instruction_passes_last():
    s = make_scenario("a", metrics=("wall_time", "instructions"), warmup=2, repetitions=1)
    phases = [step.phase for step in plan((s,), (HEAD,))]
    assert phases == [Phase.WARMUP, Phase.WARMUP, Phase.MEASURE, Phase.INSTRUCTIONS]


def test_executions_become_raw_samples_per_metric():
    walls = iter([0.1, 0.2, 0.3])
    executor = FakeExecutor(lambda inv: ok_execution('log line\n{"rate": 250.5}', wall=next(walls)))
    s = make_scenario("a", metrics=("wall_time", "cpu_time", "max_rss"), repetitions=3)
    s = s.__class__(**{**s.__dict__, "metrics": (*s.metrics, RATE)})
    record = run([s], executor)
    by_metric = {m.metric: m for m in record.measurements}
    assert by_metric["wall_time"].samples == (0.1, 0.2, 0.3)
    assert by_metric["max_rss"].samples == (10_000_000.0,) * 3
    assert by_metric["rate"].samples == (250.5,) * 3
    assert by_metric["rate"].direction is Direction.HIGHER
    assert record.failures == () and record.kind == "commit"


def test_a_crashing_scenario_is_recorded_and_the_rest_continue():
    def script(inv):
        if inv.argv == ("crash",):
            return Execution(1, 0.01, 0.0, 0, "", "Traceback...\nValueError: boom\n")
        return ok_execution()

    crash = make_scenario("crash", command=Command(argv=("crash",)))
    fine = make_scenario("fine")
    executor = FakeExecutor(script)
    record = run([crash, fine], executor)
    (failure,) = record.failures
    assert (failure.scenario, failure.phase, failure.reason) == ("crash", "measure", "exited with status 1")
    assert failure.stderr_tail.endswith("ValueError: boom\n")
    assert [m.scenario for m in record.measurements] == ["fine"]
    assert sum(inv.argv == ("crash",) for inv in executor.calls) == 1  # not retried after failing


def test_timeout_and_missing_metric_are_failures_with_reasons():
    def script(inv):
        if inv.argv == ("hang",):
            return Execution(None, 5.0, 0.0, 0, "", "", timed_out=True)
        return ok_execution(stdout="no json here")

    hang = make_scenario("hang", command=Command(argv=("hang",)), timeout=5)
    silent = make_scenario("silent", metrics=("wall_time",))
    silent = silent.__class__(**{**silent.__dict__, "metrics": (*silent.metrics, RATE)})
    record = run([hang, silent], FakeExecutor(script))
    reasons = {f.scenario: f.reason for f in record.failures}
    assert reasons["hang"].startswith("timed out after 5 s")
    assert reasons["silent"] == "metric rate: no JSON object found in stdout"
    assert record.measurements == ()


def test_failed_setup_fails_every_scenario_sharing_it_on_that_side_only():
    setup = Command(argv=("make", "bench"))

    def script(inv):
        if inv.argv == ("make", "bench") and inv.cwd == Path("/base"):
            return Execution(2, 0.1, 0.0, 0, "", "make: *** no rule\n")
        return ok_execution()

    a, b = make_scenario("a", setup=setup), make_scenario("b", setup=setup)
    executor = FakeExecutor(script)
    record = run([a, b], executor, sides=(BASE, HEAD))
    assert {(f.scenario, f.commit, f.phase) for f in record.failures} == {("a", SHA_B, "setup"), ("b", SHA_B, "setup")}
    assert {m.commit for m in record.measurements} == {SHA_A}
    assert sum(inv.argv == ("make", "bench") for inv in executor.calls) == 2  # once per side, shared
    assert record.kind == "comparison" and record.base.sha == SHA_B


def test_params_reach_the_command_environment():
    s = make_scenario("a", params=(("body_size", "100"),), env=(("X", "1"),), repetitions=1)
    executor = FakeExecutor()
    run([s], executor)
    env = executor.calls[0].env
    assert env["PERFPAGES_PARAM_BODY_SIZE"] == "100" and env["X"] == "1" and env["PERFPAGES_SIDE"] == "head"


def test_progress_reports_every_step_then_done():
    seen = []
    run([make_scenario("a", warmup=1, repetitions=2)], FakeExecutor(), progress=lambda d, t, w: seen.append((d, t)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
