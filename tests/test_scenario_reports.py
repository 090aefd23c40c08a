"""A benchmark tool's report as a scenario's output: every import format, read by the importers' own
parsers, through `perfpages run`'s measuring loop with real processes. Each scenario's command only
copies a small fixture (the importer tests' own where they have one) to where the report goes."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from perfpages.config import load_config
from perfpages.errors import ConfigError
from perfpages.model import Direction
from perfpages.results.check import load_valid_runs
from perfpages.results.store import write_run
from perfpages.runner.executor import SubprocessExecutor
from perfpages.runner.plan import Side
from perfpages.runner.session import RunOptions, measure
from tests.conftest import SHA_A, make_commit
from tests.test_importers import GAB, K6_EXPORT, WRK_TEXT, _asv_tree, write

SHA_D = "d" * 40  # the commit _asv_tree's version 2 file measured
REPETITIONS = 2


def pytest_benchmark_doc(*benchmarks: dict) -> dict:
    return {"machine_info": {"node": "ci"}, "commit_info": {}, "benchmarks": list(benchmarks)}


PARSE = {
    "name": "test_parse[small]",
    "fullname": "tests/test_p.py::test_parse[small]",
    "params": {"size": "small"},
    "stats": {"mean": 0.002, "stddev": 0.0001, "data": [0.0021, 0.0019, 0.002]},
}


def _gab(tmp_path: Path) -> Path:
    doc = copy.deepcopy(GAB)
    doc["entries"]["Rust"] = doc["entries"]["Rust"][:1]  # the second run is the importer test's broken one
    doc["entries"]["Rust"].append({**doc["entries"]["Rust"][0], "commit": {"id": "f" * 40, "message": "older"}})
    return write(tmp_path, "fixture/data.js", "window.BENCHMARK_DATA = " + json.dumps(doc) + ";\n")


def _asv(tmp_path: Path) -> Path:
    root = _asv_tree(tmp_path)
    (root / "box" / "ffffffff-py3.12.json").unlink()  # the importer test's deliberately broken file
    return root


def _criterion(tmp_path: Path) -> Path:
    new = tmp_path / "criterion" / "parse" / "small" / "new"
    write(new, "benchmark.json", {"group_id": "parse", "function_id": "small", "value_str": None})
    write(new, "estimates.json", {"mean": {"point_estimate": 150.0}})
    write(new, "sample.json", {"iters": [10.0, 20.0], "times": [1500.0, 3200.0]})
    return tmp_path / "criterion"


GOOGLE = {
    "context": {"host_name": "bm-1"},
    "benchmarks": [
        {"name": "BM_Sort/1024", "run_type": "iteration", "real_time": 10.0, "cpu_time": 9.0, "time_unit": "us"},
        {"name": "BM_Sort/1024", "run_type": "iteration", "real_time": 12.0, "cpu_time": 11.0, "time_unit": "us"},
    ],
}
GO_TEXT = """\
pkg: example.com/parse
BenchmarkParse-8   	 1000000	      1200 ns/op	     128 B/op	       2 allocs/op
BenchmarkParse-8   	 1000000	      1300 ns/op	     128 B/op	       2 allocs/op
PASS
"""
HYPERFINE = {"results": [{"command": "sleep 0.1", "times": [0.101, 0.099], "parameters": {"delay": "0.1"}}]}
BMF = {"parse::json": {"latency": {"value": 88.0}, "throughput": {"value": 5.0}}}
PYPERF = {
    "metadata": {"unit": "second"},
    "benchmarks": [{"metadata": {"name": "json_dumps"}, "runs": [{"values": [0.01, 0.011]}]}],
}

# format -> (the fixture, the commit measured, the `output:` YAML, a series, its samples of one repetition)
CASES = {
    "asv": (
        _asv,
        SHA_D,
        "{format: asv, file: out/asv}",
        (
            "suite/bench.TimeSuite.time_sort",
            "time",
            (("env", "py3.12"), ("kind", "quick"), ("n", "10"), ("version", "v")),
        ),
        (1.0, 1.01, 0.99),
    ),
    "bmf": (
        lambda t: write(t, "fixture/bmf.json", BMF),
        SHA_A,
        "{format: bmf, file: out/bmf.json}",
        ("suite/parse_json", "latency", (("name", "parse::json"),)),
        (88e-9,),
    ),
    "criterion": (
        _criterion,
        SHA_A,
        "{format: criterion, file: target/criterion}",
        ("suite/parse", "time", (("function", "small"),)),
        (150e-9, 160e-9),
    ),
    "github-action-benchmark": (
        _gab,
        "a" * 40,
        "{format: github-action-benchmark, file: out/data.js}",
        ("suite/Rust/parse_json", "time", (("name", "Rust/parse json"),)),
        (1.5e-6,),
    ),
    "go": (
        lambda t: write(t, "fixture/go.txt", GO_TEXT),
        SHA_A,
        "go",  # go test prints its report: read from stdout
        ("suite/example.com/parse/BenchmarkParse", "time", ()),
        (1.2e-6, 1.3e-6),
    ),
    "google-benchmark": (
        lambda t: write(t, "fixture/gb.json", GOOGLE),
        SHA_A,
        "{format: google-benchmark, file: out/gb.json}",
        ("suite/BM_Sort/1024", "real_time", ()),
        (10e-6, 12e-6),
    ),
    "hyperfine": (
        lambda t: write(t, "fixture/h.json", HYPERFINE),
        SHA_A,
        "{format: hyperfine, file: out/h.json}",
        ("suite/sleep_0.1", "wall_time", (("delay", "0.1"), ("name", "sleep 0.1"))),
        (0.101, 0.099),
    ),
    "k6": (
        lambda t: write(t, "fixture/k6.json", K6_EXPORT),
        SHA_A,
        "{format: k6, file: out/k6.json}",  # a load generator: the scenario lists the report's metrics
        ("suite", "requests_per_s", ()),
        (776.88,),
    ),
    "pyperf": (
        lambda t: write(t, "fixture/p.json", PYPERF),
        SHA_A,
        "{format: pyperf, file: out/p.json}",
        ("suite/json_dumps", "time", ()),
        (0.01, 0.011),
    ),
    "pytest-benchmark": (
        lambda t: write(t, "fixture/pb.json", pytest_benchmark_doc(PARSE)),
        SHA_A,
        "{format: pytest-benchmark, file: .benchmarks/out.json}",
        ("suite/tests/test_p.py_test_parse", "time", (("name", "tests/test_p.py::test_parse"), ("size", "small"))),
        (0.0021, 0.0019, 0.002),
    ),
    "wrk": (
        lambda t: write(t, "fixture/wrk.txt", WRK_TEXT),
        SHA_A,
        "{format: wrk, file: out/wrk.txt}",
        ("suite", "requests_per_s", ()),
        (124923.79,),
    ),
}
LISTED_METRICS = {"k6": "[requests_per_s, latency_p50]", "wrk": "[requests_per_s, latency_p99]"}


def scenario_yaml(command: list[str], output: str, metrics: str | None = None) -> str:
    lines = [
        "scenarios:",
        "  - name: suite",
        f"    command: {json.dumps(command)}",
        f"    warmup: 0\n    repetitions: {REPETITIONS}",
        f"    output: {output}",
    ]
    return "\n".join(lines + ([f"    metrics: {metrics}"] if metrics else [])) + "\n"


def run_scenario(tmp_path: Path, text: str, commit: str = SHA_A):
    """Measure the one scenario of ``text`` in tmp_path/work, as `perfpages run` would."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (tmp_path / "perfpages.yml").write_text(text)
    config = load_config(tmp_path / "perfpages.yml")
    side = Side("head", make_commit(commit), work)
    return measure(config.scenarios, (side,), SubprocessExecutor(), RunOptions(machine="m", run_id="r"), {})


def copy_command(fixture: Path, output: str) -> list[str]:
    if not output.startswith("{"):
        return ["cat", str(fixture)]
    target = output.split("file: ", 1)[1].rstrip("}")
    return ["sh", "-c", f'mkdir -p "$(dirname {target})" && cp -rT {fixture} {target}']


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_each_import_format_is_a_scenario_output_whose_benchmarks_become_series(tmp_path, fmt):
    make, commit, output, key, samples = CASES[fmt]
    fixture = make(tmp_path / "fixtures")
    text = scenario_yaml(copy_command(fixture, output), output, LISTED_METRICS.get(fmt))
    record = run_scenario(tmp_path, text, commit)
    series = {(m.scenario, m.metric, m.params): m for m in record.measurements}
    assert key in series, (record.failures, sorted(series))
    assert series[key].samples == pytest.approx(samples * REPETITIONS)  # every repetition adds its samples
    assert series[key].commit == commit
    write_run(tmp_path / "results", record)
    (written,) = load_valid_runs(tmp_path / "results")  # names and parameters are valid in a results file
    assert len(written.measurements) == len(record.measurements) and written.failures == record.failures
    if fmt == "asv":  # asv's null result is its failure signal: a failure record, never samples
        (failure,) = record.failures
        assert failure.scenario == "suite/bench.TimeSuite.time_sort" and dict(failure.params)["n"] == "100"
        assert "asv recorded a failure (n=100, kind=quick)" in failure.reason
    else:
        assert record.failures == ()


def test_a_benchmark_the_tool_reports_failed_is_a_failure_record_and_the_others_keep_their_samples(tmp_path):
    broken = {"name": "test_dump", "fullname": "tests/test_p.py::test_dump", "has_error": True, "stats": {"mean": 1e-9}}
    fixture = write(tmp_path, "fixtures/pb.json", pytest_benchmark_doc(PARSE, broken))
    output = "{format: pytest-benchmark, file: .benchmarks/out.json}"
    record = run_scenario(tmp_path, scenario_yaml(copy_command(fixture, output), output, "[wall_time]"))
    (failure,) = record.failures
    assert (failure.scenario, failure.params) == (
        "suite/tests/test_p.py_test_dump",
        (("name", "tests/test_p.py::test_dump"),),
    )
    assert failure.phase == "measure" and failure.commit == SHA_A
    assert "pytest-benchmark report .benchmarks/out.json: benchmarks[1]: pytest-benchmark has_error" in failure.reason
    series = {(m.scenario, m.metric) for m in record.measurements}
    assert series == {("suite/tests/test_p.py_test_parse", "time"), ("suite", "wall_time")}
    assert all(m.direction is Direction.LOWER and m.unit == "s" for m in record.measurements)


def test_a_report_left_by_an_earlier_run_is_never_read_as_this_ones(tmp_path):
    write(tmp_path, "work/.benchmarks/out.json", pytest_benchmark_doc(PARSE))  # stale: the command writes nothing
    output = "{format: pytest-benchmark, file: .benchmarks/out.json}"
    record = run_scenario(tmp_path, scenario_yaml(["true"], output))
    assert record.measurements == ()
    (failure,) = record.failures
    assert failure.scenario == "suite"
    assert failure.reason.startswith("pytest-benchmark report .benchmarks/out.json: the command did not write it")


def test_a_report_the_importer_cannot_read_fails_the_scenario_with_the_place(tmp_path):
    fixture = write(tmp_path, "fixtures/pb.json", '{"benchmarks": [{"name": "x", "stats": {"mean": "fast"}}]}')
    output = "{format: pytest-benchmark, file: out.json}"
    record = run_scenario(tmp_path, scenario_yaml(copy_command(fixture, output), output))
    (failure,) = record.failures
    assert "out.json: benchmarks[0].stats.mean: expected finite numbers, found 'fast'" in failure.reason


def test_an_unknown_format_names_file_line_column_and_lists_the_valid_ones(tmp_path):
    text = scenario_yaml(["true"], "{format: junit, file: out.xml}")
    with pytest.raises(ConfigError) as info:
        run_scenario(tmp_path, text)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'perfpages.yml'}:6:22: scenarios[0].output.format: ")
    assert (
        "unknown output format 'junit'; expected one of asv, bmf, criterion, github-action-benchmark, go, " in message
    )
    assert "k6, pyperf, pytest-benchmark, wrk" in message


def test_a_folder_format_needs_its_file(tmp_path):
    with pytest.raises(ConfigError, match=r":6:13: scenarios\[0\].output: criterion writes a folder"):
        run_scenario(tmp_path, scenario_yaml(["true"], "criterion"))


def test_a_suite_that_exits_non_zero_fails_whole_and_its_failure_quotes_the_tool(tmp_path):
    # pytest leaves a benchmark that raised out of its report and says so on stdout, then exits 1; a
    # benchmark whose test failed after timing (a wrong result) is in the report with no error at all.
    fixture = write(tmp_path, "fixtures/pb.json", pytest_benchmark_doc(PARSE))
    script = f"cp {fixture} out.json; echo 'FAILED tests/test_p.py::test_boom - ValueError: broken'; exit 1"
    output = "{format: pytest-benchmark, file: out.json}"
    record = run_scenario(tmp_path, scenario_yaml(["sh", "-c", script], output, "[wall_time]"))
    assert record.measurements == ()
    (failure,) = record.failures
    assert failure.scenario == "suite"
    assert (
        failure.reason
        == "exited with status 1; its output ends: FAILED tests/test_p.py::test_boom - ValueError: broken"
    )


def test_in_an_asv_results_folder_only_what_the_repetition_wrote_is_read(tmp_path):
    root = _asv(tmp_path / "fixtures")
    stale = tmp_path / "work" / "out" / "asv"
    write(stale, "box/00000000-py3.12.json", "{ broken by an earlier run")  # another commit, long ago
    os.utime(stale / "box" / "00000000-py3.12.json", (1, 1))
    output = "{format: asv, file: out/asv}"
    record = run_scenario(tmp_path, scenario_yaml(copy_command(root, output), output), SHA_D)
    assert len(record.measurements) == 3 and len(record.failures) == 1  # as in the test above: not the stale file

    for path in stale.rglob("*.json"):
        os.utime(path, (1, 1))  # the results of this very commit, from an earlier run
    again = run_scenario(tmp_path, scenario_yaml(["true"], output), SHA_D)  # writes nothing this time
    (failure,) = again.failures
    assert again.measurements == () and "asv report out/asv: nothing for commit dddddddddddd" in failure.reason


def test_the_benchmarks_of_a_report_have_their_scenarios_tags_on_the_dashboard(tmp_path):
    from perfpages.site.gather import gather

    fixture = write(tmp_path, "fixtures/pb.json", pytest_benchmark_doc(PARSE))
    output = "{format: pytest-benchmark, file: out.json}"
    text = scenario_yaml(copy_command(fixture, output), output, "[wall_time]") + "    tags: [python]\n"
    record = run_scenario(tmp_path, text)
    site = gather(load_config(tmp_path / "perfpages.yml"), [record], [SHA_A])
    assert {g.name: g.tags for g in site.scenarios} == {
        "suite": ("python",),
        "suite/tests/test_p.py_test_parse": ("python",),
    }
