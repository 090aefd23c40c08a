"""Faults a benchmark machine meets: scenarios that print garbage, full disks, kills, push races."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from generator.model import Command, Direction, MetricSpec
from generator.results.codec import record_commits, to_document
from generator.results.schema import validate_document
from generator.runner import executor, session
from generator.runner.executor import Execution, Invocation, SubprocessExecutor
from generator.runner.plan import Side
from generator.runner.session import RunOptions, measure
from tests.conftest import PYTHON, SHA_A, FakeExecutor, make_commit, make_scenario, ok_execution

HEAD = Side("head", make_commit(SHA_A), Path("/head"))
RATE_POINTER = MetricSpec("rate", "1/s", Direction.HIGHER, json_pointer="/rate")
RATE_REGEX = MetricSpec("rate", "1/s", Direction.HIGHER, regex=r"rate=(\S+)")
K6 = MetricSpec("http_reqs", "1/s", Direction.HIGHER, output="k6")

GARBAGE = {
    "digits_401": (RATE_POINTER, '{"rate": ' + "1" * 401 + "}"),
    "digits_5001": (RATE_POINTER, '{"rate": ' + "1" * 5001 + "}"),
    "brackets": (RATE_POINTER, "[" * 100_000),
    "nesting": (RATE_POINTER, '{"rate": ' * 100_000),
    "regex_digits": (RATE_REGEX, "rate=" + "9" * 401),
    "huge_string": (RATE_POINTER, '{"rate": "' + "x" * 1_000_000 + '"}'),
    "k6_brackets": (K6, '{"metrics": ' + "[" * 100_000),
    "k6_digits": (K6, '{"metrics": {"http_reqs": {"rate": ' + "1" * 401 + "}}}"),
}


def _scenario(name: str, metric: MetricSpec):
    return replace(make_scenario(name, command=Command(argv=(name,)), repetitions=2), metrics=(metric,))


def test_a_scenario_printing_garbage_fails_alone_and_the_run_is_still_written():
    outputs = {(name,): stdout for name, (_, stdout) in GARBAGE.items()}
    executor = FakeExecutor(lambda inv: ok_execution(outputs.get(inv.argv, '{"rate": 100}')))
    scenarios = [_scenario(name, metric) for name, (metric, _) in GARBAGE.items()]
    scenarios.append(_scenario("fine", RATE_POINTER))
    record = measure(tuple(scenarios), (HEAD,), executor, RunOptions("m", "r"), {"cpu_model": "fake"})
    reasons = {f.scenario: f.reason for f in record.failures}
    assert set(reasons) == set(GARBAGE), reasons
    assert all(0 < len(reason) <= 1100 for reason in reasons.values()), reasons
    assert [(m.scenario, m.samples) for m in record.measurements] == [("fine", (100.0, 100.0))]
    assert validate_document(to_document(record, record_commits(record)), "run.json") == []


def _invoke(code: str) -> Execution:
    return SubprocessExecutor().execute(Invocation((PYTHON, "-c", code), Path("."), dict(os.environ), 60))


def test_output_over_the_limit_keeps_its_real_tail_and_says_how_much_was_cut(monkeypatch):
    monkeypatch.setattr(executor, "OUTPUT_LIMIT", 64 * 1024)
    monkeypatch.setattr(session, "OUTPUT_LIMIT", 64 * 1024)
    code = (
        "import sys\n"
        "sys.stdout.write('x' * 200_000 + '\\n{\"rate\": 7}\\n')\n"
        "sys.stderr.write('e' * 300_000 + '\\nthe real last line\\n')\n"
        "sys.exit(1)\n"
    )
    execution = _invoke(code)
    assert execution.stdout.endswith('{"rate": 7}\n') and len(execution.stdout) == 64 * 1024
    assert execution.stdout_cut == 200_013 - 64 * 1024
    assert execution.stderr.endswith("the real last line\n") and execution.stderr_bytes == 300_020
    failure = session._failure(_scenario("loud", RATE_POINTER), HEAD, "measure", "exited with status 1", execution)
    assert failure.stderr_tail.endswith("the real last line\n")
    assert failure.reason == "exited with status 1 (stderr_tail is the end of 300,020 bytes of stderr)"


def test_a_metric_read_from_a_cut_stdout_is_a_failure_not_a_value(monkeypatch):
    monkeypatch.setattr(session, "OUTPUT_LIMIT", 10)
    cut = replace(ok_execution('{"rate": 1}\n' * 5), stdout_cut=50)
    executor = FakeExecutor(lambda inv: cut)
    scenarios = (_scenario("reads_stdout", RATE_POINTER), make_scenario("wall_only", repetitions=2))
    record = measure(scenarios, (HEAD,), executor, RunOptions("m", "r"), {"cpu_model": "fake"})
    (failure,) = record.failures
    assert failure.scenario == "reads_stdout"
    assert "its first 50 bytes were cut before the metrics were read" in failure.reason
    assert [m.scenario for m in record.measurements] == ["wall_only"]
