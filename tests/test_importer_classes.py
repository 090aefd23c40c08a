"""Issue 15's importer fault classes on inputs written here (not the shared cases): failure
signals, series identity, units and directions, old layouts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from perfpages.importers import FORMATS, k6, wrk
from perfpages.importers.base import scenario_name, stable_text
from perfpages.importers.convert import ImportOptions
from perfpages.importers.session import import_items
from perfpages.model import CommitInfo, Direction
from perfpages.results.check import check_results, load_valid_runs
from perfpages.runner.metrics import reported
from perfpages.units import canonical, direction, normalise

SHA = "c" * 40


def imported(fmt: str, path: Path, tmp_path: Path, out: str = "results"):
    tally = import_items(
        FORMATS[fmt]([path]), ImportOptions(fmt, None, CommitInfo(SHA)), tmp_path / out, lambda s: None
    )
    runs = load_valid_runs(tmp_path / out) if (tmp_path / out).is_dir() else []
    return tally, runs


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def measured(runs) -> dict:
    return {(m.scenario, m.params, m.metric): m for r in runs for m in r.measurements}


def failures(runs) -> dict:
    return {(f.scenario, f.params): f.reason for r in runs for f in r.failures}


# --- class 1: a tool's own failure signals ---------------------------------------------------


def test_gbench_errored_repetition_fails_the_whole_run_name(tmp_path):
    bench = {"run_name": "BM_A", "run_type": "iteration", "real_time": 10.0, "cpu_time": 10.0, "iterations": 5}
    doc = {
        "benchmarks": [
            {**bench, "name": "BM_A"},
            {**bench, "name": "BM_A", "error_occurred": True, "error_message": "boom", "iterations": 0},
            {
                "name": "BM_Z",
                "run_name": "BM_Z",
                "run_type": "iteration",
                "iterations": 0,
                "real_time": 0,
                "cpu_time": 0,
            },
        ]
    }
    tally, runs = imported("google-benchmark", write(tmp_path, "gb.json", doc), tmp_path)
    assert not measured(runs)
    reasons = failures(runs)
    assert "boom" in reasons[("BM_A", ())] and "0 iterations" in reasons[("BM_Z", ())]
    assert tally.failures == 2


def test_hyperfine_partial_failure_keeps_the_good_runs_and_records_the_rest(tmp_path):
    doc = {
        "results": [
            {"command": "x", "mean": 1, "user": 1, "system": 1, "times": [1.0, 0.1, 1.1], "exit_codes": [0, 1, 0]}
        ]
    }
    _, runs = imported("hyperfine", write(tmp_path, "h.json", doc), tmp_path)
    assert {k[2]: m.samples for k, m in measured(runs).items()} == {"wall_time": (1.0, 1.1)}  # user/system mix runs
    assert failures(runs) == {("x", ()): "results[0]: exit code 1 in 1 of 3 runs"}


def test_hyperfine_signal_killed_run_is_a_failure(tmp_path):
    doc = {"results": [{"command": "x", "mean": 1, "times": [1.0], "exit_codes": [None]}]}
    _, runs = imported("hyperfine", write(tmp_path, "h.json", doc), tmp_path)
    assert failures(runs) == {("x", ()): "results[0]: killed by a signal in 1 of 1 runs"}


WRK_SOME_ERRORS = """Running 10s test @ http://127.0.0.1:8080/
  Latency Distribution
     50%    1.00ms
     99%    2.00ms
  1000 requests in 10.00s, 1.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 10
Requests/sec:    100.00
Transfer/sec:      1.00MB
"""


def test_wrk_partial_errors_are_lower_is_better_metrics_next_to_latency(tmp_path):
    _, runs = imported("wrk", write(tmp_path, "api.txt", WRK_SOME_ERRORS), tmp_path)
    got = {k[2]: (m.samples, m.direction) for k, m in measured(runs).items()}
    assert got["socket_errors"] == ((5.0,), Direction.LOWER)
    assert got["non_2xx"] == ((10.0,), Direction.LOWER)
    assert got["non_2xx_ratio"] == ((0.01,), Direction.LOWER)
    assert got["transfer_per_s"] == ((1024.0 * 1024,), Direction.HIGHER)  # wrk's MB is binary
    assert got["latency_p99"][0] == pytest.approx((2e-3,))


def test_wrk_csv_row_with_no_completed_request_is_a_failure(tmp_path):
    text = "config,requests,duration,p50\na,100,1000000,50\na,0,1000000,0\n"
    _, runs = imported("wrk", write(tmp_path, "w.csv", text), tmp_path)
    assert measured(runs)[("w", (("config", "a"),), "requests_per_s")].samples == (100.0,)
    assert failures(runs) == {("w", (("config", "a"),)): "0 requests completed (line 3)"}


def test_runner_wrk_output_with_no_completed_request_is_an_error_not_zero_latency(tmp_path):
    text = WRK_SOME_ERRORS.replace("1000 requests", "0 requests")
    got = reported("wrk", text, tmp_path, None)
    assert got.value is None and "0 requests completed" in got.error


K6_OK = {
    "metrics": {
        "http_req_duration": {"avg": 50.0, "med": 40.0, "p(95)": 90.0},
        "http_req_duration{expected_response:true}": {"avg": 100.0, "med": 80.0, "p(95)": 180.0},
        "http_reqs": {"count": 100, "rate": 10.0},
        "http_req_failed": {"passes": 5, "fails": 95, "value": 0.05},
    }
}


def test_k6_latency_from_expected_responses_and_failed_requests_counted(tmp_path):
    _, runs = imported("k6", write(tmp_path, "load.json", K6_OK), tmp_path)
    got = {k[2]: m.samples for k, m in measured(runs).items()}
    assert got["latency_avg"] == pytest.approx((0.1,)) and got["latency_p95"] == pytest.approx((0.18,))
    assert got["failed_ratio"] == (0.05,) and got["failed_requests"] == (5.0,)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"thresholds": {"p(95)<100": True}}, "k6 thresholds failed: http_req_duration p(95)<100"),  # summary-export
        ({"thresholds": {"p(95)<100": {"ok": False}}}, "k6 thresholds failed: http_req_duration p(95)<100"),
    ],
)
def test_k6_failed_threshold_is_a_failure_in_both_layouts(tmp_path, change, reason):
    doc = json.loads(json.dumps(K6_OK))
    doc["metrics"]["http_req_duration"].update(change)
    _, runs = imported("k6", write(tmp_path, "load.json", doc), tmp_path)
    assert not measured(runs) and failures(runs) == {("load", ()): reason}


def test_k6_passed_threshold_in_summary_export_is_not_a_failure(tmp_path):
    doc = json.loads(json.dumps(K6_OK))
    doc["metrics"]["http_req_duration"]["thresholds"] = {"p(95)<500": False}  # false: passed
    _, runs = imported("k6", write(tmp_path, "load.json", doc), tmp_path)
    assert measured(runs) and not failures(runs)


def test_k6_every_request_failed_is_a_failure(tmp_path):
    doc = {"metrics": {"http_req_duration": {"avg": 1.0}, "http_req_failed": {"values": {"rate": 1, "passes": 7}}}}
    assert k6.summary_report(doc, "x").failure == "every HTTP request failed (metrics.http_req_failed: 7 failed)"


def test_go_fail_and_skip_lines(tmp_path):
    text = """pkg: example.com/p
BenchmarkOk-8   	 100	 10.0 ns/op
BenchmarkBad-8   	 100	 10.0 ns/op
--- FAIL: BenchmarkBad-8
    bad_test.go:9: wrong answer
--- SKIP: BenchmarkNoNet-8
FAIL
FAIL	example.com/p	0.1s
"""
    tally, runs = imported("go", write(tmp_path, "b.txt", text), tmp_path)
    assert set(measured(runs)) == {("example.com/p/BenchmarkOk", (), "time")}
    reason = "go test: --- FAIL: BenchmarkBad-8: bad_test.go:9: wrong answer"
    assert failures(runs) == {("example.com/p/BenchmarkBad", ()): reason}
    assert tally.skipped == 1


def test_go_package_that_failed_without_naming_a_benchmark(tmp_path):
    text = "pkg: example.com/p\nBenchmarkOk-8 100 10.0 ns/op\npanic: oops\nFAIL\texample.com/q\t0.1s\n"
    _, runs = imported("go", write(tmp_path, "b.txt", text), tmp_path)
    assert failures(runs) == {("example.com/q", ()): "go test: FAIL example.com/q"}


GO_FAILED_ON_ITS_RESULT_LINE = """pkg: example.com/kv
BenchmarkPut-8   1000000   1050 ns/op
BenchmarkGet-8   1000000    210 ns/op
BenchmarkGet-8   {outcome}
FAIL
FAIL	example.com/kv	3.2s
"""


@pytest.mark.parametrize(
    "outcome, reason",
    [
        (
            "--- FAIL: BenchmarkGet-8\n    kv_test.go:41: cache returned stale value",
            "go test: --- FAIL: BenchmarkGet-8: kv_test.go:41: cache returned stale value",
        ),
        (
            "\tpanic: stale value\n\ngoroutine 7 [running]:\n\t/src/kv_test.go:41 +0x1d\nexit status 2",
            "go test: panic: stale value",
        ),
    ],
    ids=["fail", "panic"],
)
def test_go_benchmark_failing_on_its_own_result_line_keeps_no_samples(tmp_path, outcome, reason):
    # go prints a benchmark's name before running it: a failure or panic follows on that line.
    text = GO_FAILED_ON_ITS_RESULT_LINE.format(outcome=outcome)
    tally, runs = imported("go", write(tmp_path, "b.txt", text), tmp_path)
    assert set(measured(runs)) == {("example.com/kv/BenchmarkPut", (), "time")}
    assert failures(runs) == {("example.com/kv/BenchmarkGet", ()): reason}
    assert tally.failures == 1


def test_go_skip_on_the_result_line_and_long_logs_are_counted(tmp_path):
    log = "".join(f"    x_test.go:{n}: line {n}\n" for n in range(5))
    text = (
        f"BenchmarkA-8 10 5 ns/op\nBenchmarkB-8   --- FAIL: BenchmarkB-8\n{log}BenchmarkC-8   --- SKIP: BenchmarkC-8\n"
    )
    tally, runs = imported("go", write(tmp_path, "b.txt", text), tmp_path)
    assert set(measured(runs)) == {("BenchmarkA", (), "time")} and tally.skipped == 1
    assert failures(runs)[("BenchmarkB", ())].endswith("line 2 (and 2 more log lines)")


def test_pytest_benchmark_error_states_are_failures(tmp_path):
    doc = {
        "benchmarks": [
            {"name": "test_ok", "stats": {"mean": 0.1, "stddev": 0.01, "rounds": 5}},
            {"name": "test_raised", "has_error": True, "stats": {"mean": 0.0, "rounds": 1}},
            {"name": "test_untimed", "stats": None},
        ]
    }
    _, runs = imported("pytest-benchmark", write(tmp_path, "p.json", doc), tmp_path)
    assert set(measured(runs)) == {("test_ok", (), "time")}
    assert set(failures(runs)) == {("test_raised", ()), ("test_untimed", ())}


# --- class 2: series identity ---------------------------------------------------------------


def go_series(tmp_path: Path, text: str) -> set:
    _, runs = imported("go", write(tmp_path, "b.txt", text), tmp_path)
    return {(s, p) for s, p, metric in measured(runs) if metric == "time"}


def test_go_subbenchmark_size_suffix_is_not_gomaxprocs(tmp_path):
    text = "BenchmarkHash/size-64 100 10 ns/op\nBenchmarkHash/size-1024 100 90 ns/op\nBenchmarkOther 100 5 ns/op\n"
    assert go_series(tmp_path, text) == {
        ("BenchmarkHash/size-64", ()),
        ("BenchmarkHash/size-1024", ()),
        ("BenchmarkOther", ()),
    }


def test_go_single_gomaxprocs_value_is_dropped_and_inner_size_kept(tmp_path):
    text = "BenchmarkHash/size-1024-8 100 90 ns/op\nBenchmarkOther-8 100 5 ns/op\n"
    assert go_series(tmp_path, text) == {("BenchmarkHash/size-1024", ()), ("BenchmarkOther", ())}


def test_go_cpu_list_with_subbenchmarks(tmp_path):
    text = "BenchmarkHash/size-1024 100 90 ns/op\nBenchmarkHash/size-1024-4 100 30 ns/op\n"
    assert go_series(tmp_path, text) == {
        ("BenchmarkHash/size-1024", (("gomaxprocs", "1"),)),
        ("BenchmarkHash/size-1024", (("gomaxprocs", "4"),)),
    }


GO_SIZES = """pkg: example.com/codec
BenchmarkEncode/size-1024   500000   2400 ns/op   426.67 MB/s
BenchmarkEncode/size-4096   120000   9600 ns/op   426.67 MB/s
BenchmarkDecode/size-1024   400000   3000 ns/op   341.33 MB/s
BenchmarkDecode/size-4096   100000  12000 ns/op   341.33 MB/s
"""


def test_go_size_suffixes_alike_in_every_benchmark_are_not_gomaxprocs(tmp_path):
    # GOMAXPROCS 1 prints no suffix: each benchmark's {1024, 4096} is a set of sizes, not a -cpu list.
    assert go_series(tmp_path, GO_SIZES) == {
        (f"example.com/codec/Benchmark{op}/size-{n}", ()) for op in ("Encode", "Decode") for n in (1024, 4096)
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        # One sub-benchmark alone cannot show whether -8 is GOMAXPROCS: the name stays whole, and
        # stays the same when a later commit adds a second size.
        ("BenchmarkPool/workers-8 10 5 ns/op\n" * 2, {"BenchmarkPool/workers-8"}),
        (
            "BenchmarkPool/workers-8 10 5 ns/op\nBenchmarkPool/workers-16 10 5 ns/op\n",
            {
                "BenchmarkPool/workers-8",
                "BenchmarkPool/workers-16",
            },
        ),
        # Every line of two benchmarks ends in -8: the machine's GOMAXPROCS, dropped once.
        (
            "BenchmarkPool/workers-8-8 10 5 ns/op\nBenchmarkPool/workers-16-8 10 5 ns/op\n",
            {
                "BenchmarkPool/workers-8",
                "BenchmarkPool/workers-16",
            },
        ),
        # A top-level name is a Go function name, which has no "-": its suffix is GOMAXPROCS.
        ("BenchmarkParse-8 10 5 ns/op\n", {"BenchmarkParse"}),
        (
            "BenchmarkParse-8 10 5 ns/op\nBenchmarkPool/workers-8-8 10 5 ns/op\n",
            {
                "BenchmarkParse",
                "BenchmarkPool/workers-8",
            },
        ),
    ],
)
def test_go_suffix_is_gomaxprocs_only_where_the_file_proves_it(tmp_path, text, expected):
    assert go_series(tmp_path, text) == {(name, ()) for name in expected}


def test_go_cpu_list_without_one_is_read_from_top_level_names(tmp_path):
    names = ("BenchmarkA-2", "BenchmarkA-4", "BenchmarkB/size-2-2", "BenchmarkB/size-2-4")
    text = "".join(f"{name} 10 5 ns/op\n" for name in names)
    assert go_series(tmp_path, text) == {
        (name, (("gomaxprocs", procs),)) for name in ("BenchmarkA", "BenchmarkB/size-2") for procs in ("2", "4")
    }


def _gab_go(tmp_path: Path, benches: list[tuple[str, float, str]]) -> set:
    run = {
        "commit": {"id": "a" * 40},
        "tool": "go",
        "benches": [{"name": n, "value": v, "unit": "ns/op", "extra": e} for n, v, e in benches],
    }
    _, runs = imported("github-action-benchmark", write(tmp_path, "d.js", {"entries": {"go": [run]}}), tmp_path)
    return {(s, p, m.samples) for (s, p, _), m in measured(runs).items()}


def test_gab_go_procs_in_extra_is_gomaxprocs(tmp_path):
    # What github-action-benchmark stores for `-cpu 1,2,4`: the -N cut off the name, kept in extra.
    extras = ("1463829 times", "611010 times\n2 procs", "374536 times\n4 procs")
    benches = [("BenchmarkStoreAdd", v, e) for v, e in zip((818.6, 1978.3, 3179.9), extras, strict=True)]
    got = {dict(p)["gomaxprocs"]: samples for s, p, samples in _gab_go(tmp_path, benches)}
    assert got == {"1": pytest.approx((818.6e-9,)), "2": pytest.approx((1978.3e-9,)), "4": pytest.approx((3179.9e-9,))}


@pytest.mark.parametrize(
    "benches, names",
    [
        # One machine's GOMAXPROCS on every line: dropped, as before.
        ([("BenchmarkA", 1.0, "5 times\n4 procs"), ("BenchmarkB", 2.0, "5 times\n4 procs")], {"A", "B"}),
        # GOMAXPROCS 1 and sizes github-action-benchmark took for procs: the sizes go back in the name.
        (
            [("BenchmarkE/size", 1.0, "5 times\n1024 procs"), ("BenchmarkE/size", 2.0, "5 times\n4096 procs")],
            {
                "E/size-1024",
                "E/size-4096",
            },
        ),
    ],
)
def test_gab_go_suffixes_not_proven_gomaxprocs_stay_in_the_name(tmp_path, benches, names):
    assert {(s, p) for s, p, _ in _gab_go(tmp_path, benches)} == {(f"go/Benchmark{n}", ()) for n in names}


def test_unstable_parameter_text_is_normalised():
    assert stable_text("<function square at 0x7f3a2c1b9d30>") == "<function square>"
    assert stable_text("UNSERIALIZABLE[<object object at 0x7fe1aa>]") == "<object object>"
    assert scenario_name("test_map[<function f at 0x7f00deadbeef>]") == scenario_name(
        "test_map[<function f at 0x1234567>]"
    )


def test_asv_unserializable_params_and_addresses_give_one_series(tmp_path):
    root = tmp_path / "asv"
    (root / "m").mkdir(parents=True)
    (root / "benchmarks.json").write_text(json.dumps({"b.time_f": {"type": "time", "param_names": ["fn"]}}))
    for i, address in enumerate(("0x7f0001", "0x7f0002")):
        doc = {
            "commit_hash": f"{i}" * 40,
            "date": 1_790_000_000_000 + i,
            "version": 2,
            "result_columns": ["result", "params", "version"],
            "results": {"b.time_f": [[1.0], [[f"<function g at {address}>"]], "v1"]},
        }
        (root / "m" / f"{i}-env.json").write_text(json.dumps(doc))
    report_runs = import_items(FORMATS["asv"]([root]), ImportOptions("asv"), tmp_path / "r", lambda s: None)
    assert report_runs.written == 2
    assert check_results(tmp_path / "r").series == 1


@pytest.mark.parametrize(
    "values",
    [
        ["<built-in function loads>", "<built-in function loads>"],
        ["<function <lambda> at 0x7f0000000e50>", "<function <lambda> at 0x7f0000000f70>"],
    ],
    ids=["same-repr", "addresses"],
)
def test_pytest_benchmark_params_that_normalise_alike_stay_two_series(tmp_path, values):
    data = ([1e-5, 1.2e-5, 1.4e-5], [2e-6, 2.2e-6, 2.4e-6])
    benchmarks = [
        {"name": f"test_parse[loads{i}]", "params": {"impl": value}, "stats": {"data": d, "mean": d[1], "rounds": 3}}
        for i, (value, d) in enumerate(zip(values, data, strict=True))
    ]
    _, runs = imported("pytest-benchmark", write(tmp_path, "p.json", {"benchmarks": benchmarks}), tmp_path)
    got = {dict(params)["pytest_id"]: m.samples for (_, params, _), m in measured(runs).items()}
    assert got == {"loads0": tuple(data[0]), "loads1": tuple(data[1])}


def test_asv_params_that_normalise_alike_stay_apart_by_position(tmp_path):
    root = tmp_path / "asv"
    (root / "m").mkdir(parents=True)
    (root / "benchmarks.json").write_text(json.dumps({"b.time_parse": {"type": "time", "param_names": ["parser"]}}))
    for i, addresses in enumerate((("e50", "f70"), ("a10", "b20"))):
        objects = [f"<bench.Parser object at 0x7f0000000{a}>" for a in addresses]
        doc = {
            "commit_hash": f"{i}" * 40,
            "date": 1_790_000_000_000 + i,
            "version": 2,
            "result_columns": ["result", "params"],
            "results": {"b.time_parse": [[0.001, 0.005], [objects]]},
        }
        (root / "m" / f"{i}-env.json").write_text(json.dumps(doc))
    tally = import_items(FORMATS["asv"]([root]), ImportOptions("asv"), tmp_path / "r", lambda s: None)
    assert tally.written == 2
    runs = load_valid_runs(tmp_path / "r")
    got = {(m.commit[0], dict(m.params)["parser"]): m.samples for r in runs for m in r.measurements}
    # Two series, the same two in both runs: a new address does not start new ones.
    assert got == {(c, f"<bench.Parser object> #{n}"): (value,) for c in "01" for n, value in enumerate((0.001, 0.005))}


def _asv_result(root: Path, values: list, started: int, sha: str = "a" * 40) -> Path:
    """An asv results folder holding one machine's result file for ``sha``, written over if there."""
    (root / "m").mkdir(parents=True, exist_ok=True)
    (root / "benchmarks.json").write_text(json.dumps({"b.time_f": {"type": "time", "param_names": ["n"]}}))
    doc = {
        "commit_hash": sha,
        "date": 1_790_000_000_000,
        "version": 2,
        "result_columns": ["result", "params", "started_at"],
        "results": {"b.time_f": [values, [["1", "2"]], started]},
    }
    (root / "m" / f"{sha[:8]}-env.json").write_text(json.dumps(doc))
    return root


def _asv_import(root: Path, out: Path):
    return import_items(FORMATS["asv"]([root]), ImportOptions("asv"), out, lambda s: None)


def test_asv_rerun_of_a_commit_is_a_new_run_and_the_same_file_is_imported_once(tmp_path):
    root, out = tmp_path / "asv", tmp_path / "results"
    assert _asv_import(_asv_result(root, [0.001, 0.002], 1_790_000_100_000), out).written == 1
    again = _asv_import(root, out)
    assert (again.written, again.already) == (0, 1)
    # asv run again for the same commit overwrites the file: new values, a new run.
    rerun = _asv_import(_asv_result(root, [0.003, 0.004], 1_790_000_100_000), out)
    assert (rerun.written, rerun.already) == (1, 0)
    values = sorted(m.samples for r in load_valid_runs(out) for m in r.measurements)
    assert values == [(0.001,), (0.002,), (0.003,), (0.004,)]


def test_asv_file_imported_before_its_content_was_hashed_is_recognised_by_its_start(tmp_path):
    from perfpages.importers.convert import run_id

    root, out = tmp_path / "asv", tmp_path / "results"
    _asv_import(_asv_result(root, [0.001, 0.002], 1_790_000_100_000), out)
    (path,) = out.rglob("*.json")
    (run,) = FORMATS["asv"]([root])
    earlier = run_id("asv", run.earlier_identity, run.commit.sha, "m")  # the id an import without the hash gave
    path.rename(path.with_name(f"{'a' * 12}-{earlier}.json"))
    assert (_asv_import(root, out).already, _asv_import(root, out).written) == (1, 0)
    rerun = _asv_import(_asv_result(root, [0.003, 0.004], 1_790_000_900_000), out)
    assert (rerun.written, rerun.already) == (1, 0)


# --- class 3: units and directions ----------------------------------------------------------


@pytest.mark.parametrize(
    "unit, value, expected",
    [
        ("ns", 5, (5e-9, "s")),
        ("µs", 5, (5e-6, "s")),
        ("usec", 5, (5e-6, "s")),
        ("ms", 5, (5e-3, "s")),
        ("ns/iter", 5, (5e-9, "s")),
        ("B/op", 5, (5.0, "bytes")),
        ("KiB", 2, (2048.0, "bytes")),
        ("kB", 2, (2000.0, "bytes")),
        ("MB/s", 2, (2e6, "bytes/s")),
        ("ops/sec", 2, (2.0, "ops/s")),
        ("ops/ms", 2, (2000.0, "ops/s")),
        ("allocs/op", 2, (2.0, "allocs/op")),
        ("Kops/s", 950, (950_000.0, "ops/s")),  # a prefixed count: one series whether Kops/s or Mops/s
        ("Mops/s", 1.02, (1_020_000.0, "ops/s")),
        ("kreq/s", 2, (2000.0, "req/s")),
    ],
)
def test_canonical_units(unit, value, expected):
    got = normalise(value, unit)
    assert (pytest.approx(got.value), got.unit) == (pytest.approx(expected[0]), expected[1])


@pytest.mark.parametrize(
    "unit, name, better",
    [
        ("req/s", "req_per_s", Direction.HIGHER),
        ("ops/s", "", Direction.HIGHER),
        ("1/s", "requests_per_s", Direction.HIGHER),
        ("value", "throughput", Direction.HIGHER),
        ("errors/s", "errors_per_s", Direction.LOWER),
        ("ratio", "failed_ratio", Direction.LOWER),
        ("s", "time", Direction.LOWER),
        ("value", "stops", Direction.LOWER),
        ("bytes", "allocated", Direction.LOWER),
        # Whole words, spelled as tools spell them: no "miss" in "transmission", "_per_second" is a rate.
        ("", "requests_per_second", Direction.HIGHER),
        ("", "iterationsPerSecond", Direction.HIGHER),
        ("", "transmission_throughput", Direction.HIGHER),
        ("", "fps", Direction.HIGHER),
        ("Mbps", "link", Direction.HIGHER),
        ("submissions/s", "submissions_per_s", Direction.HIGHER),
        ("errs/s", "errs_per_s", Direction.LOWER),
        ("", "CacheMisses", Direction.LOWER),
        ("", "non_2xx_responses", Direction.LOWER),
        ("", "dropped_frames", Direction.LOWER),
        ("", "per_op", Direction.LOWER),
    ],
)
def test_direction_from_unit_and_name(unit, name, better):
    assert direction(unit, name) is better


def test_every_load_generator_metric_is_canonical_and_directed_by_the_shared_rule():
    for table in (wrk.METRICS, k6.METRICS):
        for name, (unit, better) in table.items():
            assert canonical(unit).unit == unit and better is direction(unit, name), name


def test_req_per_s_is_higher_in_every_importer_that_reads_a_custom_unit(tmp_path):
    _, go = imported("go", write(tmp_path, "b.txt", "BenchmarkS-8 10 5 ns/op 900 req/s\n"), tmp_path, "go")
    bmf_doc = {"s": {"req/s": {"value": 900}}}
    _, bmf = imported("bmf", write(tmp_path, "b.json", bmf_doc), tmp_path, "bmf")
    gab = {
        "entries": {
            "S": [{"commit": {"id": "a" * 40}, "tool": "go", "benches": [{"name": "s", "value": 9, "unit": "req/s"}]}]
        }
    }
    _, gabs = imported("github-action-benchmark", write(tmp_path, "d.js", gab), tmp_path, "gab")
    rates = [m for m in measured(go).values() if m.unit == "req/s"] + [
        *measured(bmf).values(),
        *measured(gabs).values(),
    ]
    assert [m.direction for m in rates] == [Direction.HIGHER] * 3


def test_asv_track_benchmarks_go_through_the_shared_unit_layer(tmp_path):
    root = tmp_path / "asv"
    (root / "m").mkdir(parents=True)
    units = {"track_requests": "req/s", "track_throughput": "MB/s", "track_latency": "ms", "track_errors": "req/s"}
    (root / "benchmarks.json").write_text(
        json.dumps({f"b.{n}": {"type": "track", "unit": u} for n, u in units.items()})
    )
    doc = {
        "commit_hash": "a" * 40,
        "date": 1_790_000_000_000,
        "version": 2,
        "result_columns": ["result", "params", "stats_ci_99_a", "stats_ci_99_b"],
        "results": {f"b.{n}": [[5.0], [], [4.0], [6.0]] for n in units},
    }
    (root / "m" / "aaaaaaaa-env.json").write_text(json.dumps(doc))
    _asv_import(root, tmp_path / "results")
    got = {
        m.scenario: (m.unit, m.samples, m.direction)
        for r in load_valid_runs(tmp_path / "results")
        for m in r.measurements
    }
    assert got == {
        "b.track_requests": ("req/s", (5.0,), Direction.HIGHER),
        "b.track_throughput": ("bytes/s", (5e6,), Direction.HIGHER),
        "b.track_latency": ("s", (pytest.approx(5e-3),), Direction.LOWER),
        "b.track_errors": ("req/s", (5.0,), Direction.LOWER),  # an error rate: fewer is better
    }
    (spread,) = [m.spread for r in load_valid_runs(tmp_path / "results") for m in r.measurements if m.unit == "s"]
    assert (spread.low, spread.high) == pytest.approx((4e-3, 6e-3))


def test_check_reports_a_unit_change_inside_a_series_naming_file_and_series(tmp_path):
    from perfpages.results.codec import record_commits, to_document
    from perfpages.results.store import dumps, run_path
    from tests.conftest import make_record

    out = tmp_path / "results"
    for run_id, unit in (("r1", "us"), ("r2", "ms")):
        record = make_record(run_id=run_id)
        m = record.measurements[0]
        record = replace(record, measurements=(replace(m, unit=unit),))
        path = run_path(out, record)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(to_document(record, record_commits(record))))
    report = check_results(out)
    (problem,) = report.problems
    assert problem.severity == "error" and problem.path.endswith("r2.json") and "r1.json" in problem.message
    assert f"series {m.scenario}" in problem.message and "'ms' here but in 'us'" in problem.message
    with pytest.raises(Exception, match="holds one unit"):
        load_valid_runs(out)  # so compare, changes and build never compare across units


# --- class 5: a change of machine is a change of environment ---------------------------------


def _gbench_environment(tmp_path: Path, name: str, context: dict) -> str:
    from perfpages.analysis.environment import environment_of

    doc = {"context": context, "benchmarks": [{"name": "BM_A", "real_time": 10.0, "cpu_time": 10.0}]}
    _, (run,) = imported("google-benchmark", write(tmp_path, f"{name}.json", doc), tmp_path, name)
    return environment_of(run)


def test_gbench_cpu_change_is_an_environment_change(tmp_path):
    small = _gbench_environment(tmp_path, "a", {"num_cpus": 2, "mhz_per_cpu": 2593})
    large = _gbench_environment(tmp_path, "b", {"num_cpus": 4, "mhz_per_cpu": 3245})
    assert small != large and "2 CPUs @ 2593 MHz" in small and "4 CPUs @ 3245 MHz" in large
    # With frequency scaling on, the clock read is the current one: the same machine stays one environment.
    scaled = [
        _gbench_environment(tmp_path, n, {"num_cpus": 8, "mhz_per_cpu": mhz, "cpu_scaling_enabled": True})
        for n, mhz in (("c", 800), ("d", 3400))
    ]
    assert scaled[0] == scaled[1] and "8 CPUs |" in scaled[0]


def test_importers_describe_the_cpu_when_the_file_names_no_model(tmp_path):
    bench = {"name": "test_a", "stats": {"mean": 0.1, "rounds": 1}}
    for cpu, expected in (({"brand": "Old Xeon"}, "Old Xeon"), ({"count": 16}, "16 CPUs")):
        doc = {"machine_info": {"cpu": cpu}, "benchmarks": [bench]}
        _, (run,) = imported("pytest-benchmark", write(tmp_path, "p.json", doc), tmp_path, expected)
        assert run.fingerprint["cpu_model"] == expected
    root = _asv_result(tmp_path / "asv", [0.001, 0.002], 1_790_000_100_000)
    (root / "m" / "machine.json").write_text(json.dumps({"cpu": "", "num_cpu": "4", "machine": "m"}))
    assert _asv_import(root, tmp_path / "r").written == 1
    (run,) = load_valid_runs(tmp_path / "r")
    assert run.fingerprint["cpu_model"] == "4 CPUs"


# --- class 6: old layouts -------------------------------------------------------------------


def test_gbench_before_run_type_reads_aggregates_by_suffix(tmp_path):
    doc = {
        "benchmarks": [
            {"name": "BM_X_mean", "real_time": 10.0, "cpu_time": 9.0, "time_unit": "us", "iterations": 3},
            {"name": "BM_X_stddev", "real_time": 1.0, "cpu_time": 1.0, "time_unit": "us", "iterations": 3},
        ]
    }
    _, runs = imported("google-benchmark", write(tmp_path, "gb.json", doc), tmp_path)
    assert measured(runs)[("BM_X", (), "real_time")].samples == pytest.approx((1e-5,))


def _complexity_entries(new_layout: bool) -> list[dict]:
    """A family run with ``->Complexity()``: its sizes, then the BigO and RMS fits over them."""
    times = {"BM_StringCompare/1024": 150.0, "BM_StringCompare/8192": 1200.0}
    sizes = [
        {"name": n, "real_time": t, "cpu_time": t, "time_unit": "ns", "iterations": 1000} for n, t in times.items()
    ]
    big_o = {"name": "BM_StringCompare_BigO", "cpu_coefficient": 0.15, "real_coefficient": 0.15, "big_o": "N"}
    rms = {"name": "BM_StringCompare_RMS", "rms": 0.01}
    if new_layout:  # 1.5+ names each entry's run and type; a fit's run is the family
        sizes = [{**e, "run_name": e["name"], "run_type": "iteration"} for e in sizes]
        big_o, rms = (
            {**e, "run_name": "BM_StringCompare", "run_type": "aggregate", "aggregate_name": kind}
            for e, kind in ((big_o, "BigO"), (rms, "RMS"))
        )
    return [*sizes, big_o, rms]


@pytest.mark.parametrize("new_layout", [False, True], ids=["before-1.5", "1.5+"])
def test_gbench_complexity_fits_are_skipped_aggregates_not_runs(tmp_path, new_layout):
    doc = {"benchmarks": _complexity_entries(new_layout)}
    tally, runs = imported("google-benchmark", write(tmp_path, "gb.json", doc), tmp_path)
    assert not tally.problems and tally.written == 1
    times = {s: m.samples for (s, _, metric), m in measured(runs).items() if metric == "real_time"}
    assert times == {
        "BM_StringCompare/1024": pytest.approx((150e-9,)),
        "BM_StringCompare/8192": pytest.approx((1.2e-6,)),
    }
    assert tally.skipped == 2


def test_gbench_aggregates_beside_their_runs_are_counted_as_skipped(tmp_path):
    run = {"name": "BM_X", "run_name": "BM_X", "run_type": "iteration", "real_time": 10.0, "cpu_time": 9.0}
    stats = [
        {**run, "name": f"BM_X_{a}", "run_type": "aggregate", "aggregate_name": a}
        for a in ("mean", "median", "stddev", "cv")
    ]
    tally, runs = imported("google-benchmark", write(tmp_path, "gb.json", {"benchmarks": [run, run, *stats]}), tmp_path)
    assert measured(runs)[("BM_X", (), "real_time")].samples == pytest.approx((1e-8, 1e-8))
    assert tally.skipped == 4
    # Aggregates only (--benchmark_report_aggregates_only): the mean stands in, the rest are counted.
    tally, runs = imported("google-benchmark", write(tmp_path, "agg.json", {"benchmarks": stats}), tmp_path, "agg")
    assert measured(runs)[("BM_X", (), "real_time")].samples == pytest.approx((1e-8,))
    assert tally.skipped == 3


def test_criterion_0_2_layout(tmp_path):
    new = tmp_path / "target" / "criterion" / "parse" / "new"
    new.mkdir(parents=True)
    (new / "estimates.json").write_text(json.dumps({"Mean": {"point_estimate": 2000.0, "confidence_interval": {}}}))
    _, runs = imported("criterion", tmp_path / "target" / "criterion", tmp_path)
    assert measured(runs)[("parse", (), "time")].samples == pytest.approx((2e-6,))
    (new / "sample.json").write_text(json.dumps([[1.0, 2.0], [1000.0, 2200.0]]))
    _, runs = imported("criterion", tmp_path / "target" / "criterion", tmp_path, "again")
    assert measured(runs)[("parse", (), "time")].samples == pytest.approx((1e-6, 1.1e-6))


def test_hyperfine_before_exit_codes_and_times(tmp_path):
    doc = {
        "results": [{"command": "x", "mean": 0.2, "stddev": 0.01, "user": 0.1, "system": 0.0, "min": 0.1, "max": 0.3}]
    }
    _, runs = imported("hyperfine", write(tmp_path, "h.json", doc), tmp_path)
    assert measured(runs)[("x", (), "wall_time")].samples == (0.2,)


def test_an_unknown_layout_error_names_the_tool_version_expected(tmp_path):
    tally, _ = imported("hyperfine", write(tmp_path, "h.json", {"runs": []}), tmp_path)
    assert "hyperfine 1.x" in tally.problems[0].message
    tally, _ = imported("google-benchmark", write(tmp_path, "g.json", {"runs": []}), tmp_path, "g")
    assert "Google Benchmark 1.x" in tally.problems[0].message


# --- class 2: an import whose series look wrong says so ---------------------------------------


def dated(sha: str) -> CommitInfo:
    return CommitInfo(sha, committer_date="2026-11-20T10:00:00Z")


def _bmf(tmp_path: Path, name: str, entries: dict) -> Path:
    return write(tmp_path, name, {bench: {"latency": {"value": value}} for bench, value in entries.items()})


def test_an_import_of_many_one_point_series_warns(tmp_path):
    # A timestamp in each benchmark's name: every name is a new series with one point.
    paths = [
        _bmf(tmp_path, f"bmf{run}.json", {f"parse@2026-11-{day:02d}T10:00": 1.5 for day in range(run, 24, 2)})
        for run in (0, 1)
    ]
    tally = import_items(FORMATS["bmf"](paths), ImportOptions("bmf", None, dated(SHA)), tmp_path / "r", print)
    assert tally.written == 2
    assert len(tally.warnings) == 1 and tally.warnings[0].startswith("24 of 24 series have a single point")
    assert tally.to_json()["warnings"] == tally.warnings
    # One run alone (an import per commit, as CI does) has one point a series by design.
    tally = import_items(FORMATS["bmf"](paths[:1]), ImportOptions("bmf", None, dated(SHA)), tmp_path / "one", print)
    assert tally.warnings == []


def test_an_import_that_pools_values_orders_of_magnitude_apart_warns(tmp_path):
    # The same name once in one unit's numbers and once in another's (e.g. µs, then s).
    out = tmp_path / "results"
    for i, value in enumerate((1500.0, 1.6)):
        commit = dated(f"{i + 1}" * 40)
        items = FORMATS["bmf"]([_bmf(tmp_path, f"bmf{i}.json", {"parse": value})])
        tally = import_items(items, ImportOptions("bmf", None, commit), out, lambda s: None)
    assert tally.warnings == []  # each import alone holds one value
    items = [*FORMATS["bmf"]([tmp_path / "bmf0.json"]), *FORMATS["bmf"]([tmp_path / "bmf1.json"])]
    tally = import_items(items, ImportOptions("bmf", None, dated("3" * 40)), tmp_path / "pooled", lambda s: None)
    assert any("1 series pool values more than 100x apart" in w for w in tally.warnings), tally.warnings


def test_a_healthy_import_has_no_warnings(tmp_path):
    paths = [_bmf(tmp_path, f"b{i}.json", {f"case{n}": 1.0 + n + i / 10 for n in range(12)}) for i in range(3)]
    tally = import_items(FORMATS["bmf"](paths), ImportOptions("bmf", None, dated(SHA)), tmp_path / "r", print)
    assert tally.written == 3 and tally.warnings == []


def test_an_import_for_a_commit_with_no_date_says_history_cannot_place_it(tmp_path):
    path = _bmf(tmp_path, "b.json", {"parse": 1.5})
    tally = import_items(FORMATS["bmf"]([path]), ImportOptions("bmf", None, CommitInfo(SHA)), tmp_path / "r", print)
    (warning,) = tally.warnings
    assert warning.startswith("1 of 1 runs name a commit with no date")


def test_wrk2_percentiles_are_the_same_series_as_wrk_ones(tmp_path):
    # wrk prints "99%  2.67ms"; wrk2's HdrHistogram block prints " 99.000%  2.67ms" and " 99.900% ...".
    report = "\n".join(
        [
            "  Latency Distribution (HdrHistogram - Recorded Latency)",
            " 50.000%    1.18ms",
            " 99.000%    2.67ms",
            " 99.900%    4.50ms",
            "100.000%    9.87ms",
            "  300000 requests in 30.00s, 35.00MB read",
            "Requests/sec:  10000.00",
        ]
    )
    _, runs = imported("wrk", write(tmp_path, "wrk2.txt", report + "\n"), tmp_path)
    got = {metric: m.samples for (_, _, metric), m in measured(runs).items() if metric.startswith("latency")}
    assert got == {
        "latency_p50": (pytest.approx(0.00118),),
        "latency_p99": (pytest.approx(0.00267),),
        "latency_p99_9": (pytest.approx(0.0045),),
        "latency_p100": (pytest.approx(0.00987),),
    }
