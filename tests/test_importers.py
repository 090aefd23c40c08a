"""Each import format on small fixtures written for these tests, plus idempotence and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfpages.importers import FORMATS
from perfpages.importers.convert import ImportOptions
from perfpages.importers.session import import_items
from perfpages.model import CommitInfo, Direction, Spread
from perfpages.results.check import load_valid_runs
from tests.conftest import PYTHON, commit_file

SHA = "c" * 40
COMMIT = CommitInfo(SHA, "Speed up parsing", "Ada", "2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z")


def run_import(fmt: str, path: Path, tmp_path: Path, commit: CommitInfo | None = COMMIT, **kw):
    out = tmp_path / "results"
    tally = import_items(FORMATS[fmt]([path]), ImportOptions(fmt, kw.get("machine"), commit), out, lambda s: None)
    runs = load_valid_runs(out) if out.is_dir() else []
    return tally, runs


def by_key(runs) -> dict:
    return {(m.scenario, m.metric, m.params): m for r in runs for m in r.measurements}


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


GAB = {
    "lastUpdate": 1,
    "repoUrl": "https://github.com/example/p",
    "entries": {
        "Rust": [
            {
                "commit": {
                    "id": "a" * 40,
                    "message": "First\n\nbody",
                    "timestamp": "2026-10-01T12:00:00+02:00",
                    "author": {"name": "Ada"},
                },
                "date": 1_790_000_000_000,
                "tool": "cargo",
                "benches": [{"name": "parse json", "value": 1500, "range": "± 30", "unit": "ns/iter"}],
            },
            {
                "commit": {"id": "b" * 40, "message": "Second", "timestamp": "2026-10-02T12:00:00Z"},
                "date": 1_790_100_000_000,
                "tool": "cargo",
                "benches": [{"name": "parse json", "value": "fast", "unit": "ns/iter"}],
            },
        ],
        "Python": [
            {
                "commit": {"id": "a" * 40, "message": "First", "timestamp": "2026-10-01T10:00:00Z"},
                "date": 1_790_000_000_001,
                "tool": "pytest",
                "benches": [
                    {
                        "name": "tests/test_x.py::test_load",
                        "value": 1000.0,
                        "unit": "iter/sec",
                        "range": "stddev: 0.0001",
                        "extra": "mean: 1 msec\nrounds: 10",
                    }
                ],
            }
        ],
    },
}


def test_github_action_benchmark_data_js(tmp_path):
    path = write(tmp_path, "data.js", "window.BENCHMARK_DATA = " + json.dumps(GAB) + ";\n")
    tally, runs = run_import("github-action-benchmark", path, tmp_path)
    assert tally.written == 2 and len(tally.problems) == 1
    (problem,) = tally.problems
    assert problem.file == str(path) and problem.place == 'entries["Rust"][1].benches[0].value'
    assert "finite numbers" in problem.message
    cargo = by_key(runs)[("Rust/parse_json", "time", (("name", "Rust/parse json"),))]
    # ns/iter is a time per iteration: stored in seconds, its "± 30" range with it.
    assert cargo.samples == pytest.approx((1.5e-6,)) and cargo.unit == "s" and cargo.direction is Direction.LOWER
    assert cargo.spread.kind == "range"
    assert (cargo.spread.low, cargo.spread.high) == pytest.approx((1.47e-6, 1.53e-6))
    pytest_point = by_key(runs)[
        ("Python/tests/test_x.py_test_load", "ops", (("name", "Python/tests/test_x.py::test_load"),))
    ]
    assert pytest_point.direction is Direction.HIGHER  # iterations per second: more is better
    assert pytest_point.spread == Spread("stddev", pytest.approx(900.0), pytest.approx(1100.0))
    head = next(r.head for r in runs if r.head.sha == "a" * 40)
    assert (head.subject, head.author, head.committer_date) == ("First", "Ada", "2026-10-01T10:00:00Z")


def _asv_tree(tmp_path: Path) -> Path:
    root = tmp_path / "asv" / "results"
    write(
        tmp_path,
        "asv/results/benchmarks.json",
        {
            "bench.TimeSuite.time_sort": {
                "type": "time",
                "unit": "seconds",
                "param_names": ["n", "kind"],
                "params": [["10", "100"], ["'quick'", "'heap'"]],
            },
            "bench.mem_list": {"type": "memory", "unit": "bytes", "param_names": [], "params": []},
            "version": 2,
        },
    )
    write(tmp_path, "asv/results/box/machine.json", {"cpu": "Test CPU", "os": "Linux 6.1", "machine": "box"})
    columns = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b", "samples"]
    write(
        tmp_path,
        "asv/results/box/dddddddd-py3.12.json",
        {
            "commit_hash": "d" * 40,
            "env_name": "py3.12",
            "date": 1_790_000_000_000,
            "result_columns": columns,
            "version": 2,
            "results": {
                "bench.TimeSuite.time_sort": [
                    [1.0, 2.0, None, float("nan")],
                    [["10", "100"], ["'quick'", "'heap'"]],
                    "v",
                    1_790_000_100_000,
                    1.0,
                    [0.9, 1.8, None, None],
                    [1.1, 2.2, None, None],
                    [[1.0, 1.01, 0.99], None, None, None],
                ],
                "bench.mem_list": [[4096], [], "v", 1_790_000_050_000, 0.1, [None], [None], None],
            },
        },
    )
    write(
        tmp_path,
        "asv/results/box/eeeeeeee-py3.12.json",
        {
            "commit_hash": "e" * 40,
            "env_name": "py3.12",
            "date": 1_790_100_000_000,
            "version": 1,
            "benchmark_version": {"bench.mem_list": "v", "bench.TimeSuite.time_sort": "v"},
            "results": {
                "bench.mem_list": 5000,
                "bench.TimeSuite.time_sort": {
                    "result": [1.5, None, None, None],
                    "params": [["10", "100"], ["'quick'", "'heap'"]],
                },
            },
        },
    )
    write(tmp_path, "asv/results/box/ffffffff-py3.12.json", '{"commit_hash": "ffff", "date": 1, "results": {}}')
    return root


def test_github_action_benchmark_truncated_data_js_names_the_line(tmp_path):
    text = "window.BENCHMARK_DATA = " + json.dumps(GAB, indent=2)
    path = write(tmp_path, "data.js", text[: len(text) // 2])
    tally, _ = run_import("github-action-benchmark", path, tmp_path)
    (problem,) = tally.problems
    assert problem.place.startswith(f"line {text[: len(text) // 2].count(chr(10)) + 1} column")
    assert "not valid JSON" in problem.message


def test_asv_v1_and_v2_with_parameters_expanded(tmp_path):
    root = _asv_tree(tmp_path)
    tally, runs = run_import("asv", root.parent, tmp_path, commit=None)  # the project folder works too
    assert tally.written == 2
    (problem,) = tally.problems
    assert problem.file.endswith("ffffffff-py3.12.json") and problem.place == "commit_hash"
    quick10 = (("env", "py3.12"), ("kind", "quick"), ("n", "10"), ("version", "v"))
    heap10 = (("env", "py3.12"), ("kind", "heap"), ("n", "10"), ("version", "v"))
    by_commit = {(r.head.sha, m.scenario, m.params): m for r in runs for m in r.measurements}
    v2 = "d" * 40
    assert by_commit[(v2, "bench.TimeSuite.time_sort", quick10)].samples == (1.0, 1.01, 0.99)  # raw samples kept
    heap = by_commit[(v2, "bench.TimeSuite.time_sort", heap10)]
    assert heap.samples == (2.0,) and heap.spread == Spread("ci99", 1.8, 2.2)  # no samples: asv's 99% interval
    assert by_commit[("e" * 40, "bench.TimeSuite.time_sort", quick10)].samples == (1.5,)  # version 1
    # null (failed) and NaN (skipped) results are not points; a null is a failure of the run
    assert len([m for r in runs for m in r.measurements if r.head.sha == "d" * 40]) == 3
    assert by_commit[("e" * 40, "bench.mem_list", (("env", "py3.12"), ("version", "v")))].samples == (5000.0,)
    (run,) = [r for r in runs if r.head.sha == "d" * 40]
    ((failure_params, reason),) = [(dict(f.params), f.reason) for f in run.failures]
    assert failure_params == {"env": "py3.12", "version": "v", "n": "100", "kind": "quick"}
    assert reason == "asv recorded a failure (n=100, kind=quick)"
    assert tally.failures == 1 + 3 and tally.skipped == 1  # the v1 file's three nulls are failures too
    assert run.machine == "box" and run.fingerprint["cpu_model"] == "Test CPU"
    assert run.head.committer_date == "2026-09-21T14:13:20Z"


def test_importing_twice_adds_nothing(tmp_path):
    root = _asv_tree(tmp_path)
    first, _ = run_import("asv", root, tmp_path)
    second, runs = run_import("asv", root, tmp_path)
    assert (first.written, second.written, second.already) == (2, 0, 2)
    assert len(runs) == 2


def test_pytest_benchmark_with_and_without_raw_data(tmp_path):
    doc = {
        "machine_info": {"node": "ci-7", "cpu": {"brand_raw": "Test CPU"}},
        "commit_info": {"id": "a" * 40, "time": "2026-10-01T10:00:00+00:00"},
        "datetime": "2026-10-01T11:00:00",
        "benchmarks": [
            {
                "name": "test_parse[small]",
                "fullname": "tests/test_p.py::test_parse[small]",
                "params": {"size": "small"},
                "stats": {"mean": 0.002, "stddev": 0.0001, "data": [0.0021, 0.0019, 0.002]},
            },
            {"name": "test_dump", "fullname": "tests/test_p.py::test_dump", "stats": {"mean": 0.004, "stddev": 0.0002}},
        ],
    }
    _, runs = run_import("pytest-benchmark", write(tmp_path, "bench.json", doc), tmp_path, commit=None)
    (run,) = runs
    assert run.machine == "ci-7" and run.head.sha == "a" * 40
    points = by_key(runs)
    parse = points[("tests/test_p.py_test_parse", "time", (("name", "tests/test_p.py::test_parse"), ("size", "small")))]
    assert parse.samples == (0.0021, 0.0019, 0.002) and parse.spread is None
    dump = points[("tests/test_p.py_test_dump", "time", (("name", "tests/test_p.py::test_dump"),))]
    assert dump.samples == (0.004,) and dump.spread == Spread("stddev", pytest.approx(0.0038), pytest.approx(0.0042))


def test_criterion_samples_are_time_per_iteration(tmp_path):
    new = tmp_path / "criterion" / "parse" / "small" / "new"
    write(new, "benchmark.json", {"group_id": "parse", "function_id": "small", "value_str": None})
    write(
        new,
        "estimates.json",
        {"mean": {"point_estimate": 150.0, "confidence_interval": {"lower_bound": 140.0, "upper_bound": 160.0}}},
    )
    write(new, "sample.json", {"iters": [10.0, 20.0], "times": [1500.0, 3200.0]})
    only = tmp_path / "criterion" / "dump" / "new"
    write(
        only,
        "estimates.json",
        {
            "mean": {
                "point_estimate": 2e6,
                "confidence_interval": {"lower_bound": 1.9e6, "upper_bound": 2.1e6, "confidence_level": 0.95},
            }
        },
    )
    _, runs = run_import("criterion", tmp_path / "criterion", tmp_path)
    points = by_key(runs)
    assert points[("parse", "time", (("function", "small"),))].samples == pytest.approx((150e-9, 160e-9))
    dump = points[("dump", "time", ())]
    assert dump.samples == pytest.approx((2e-3,)) and dump.spread.kind == "ci95"


def test_google_benchmark_repetitions_become_samples(tmp_path):
    doc = {
        "context": {"host_name": "bm-1", "num_cpus": 8},
        "benchmarks": [
            {
                "name": "BM_Sort/1024",
                "run_name": "BM_Sort/1024",
                "run_type": "iteration",
                "real_time": 10.0,
                "cpu_time": 9.0,
                "time_unit": "us",
                "items_per_second": 1e8,
            },
            {
                "name": "BM_Sort/1024",
                "run_name": "BM_Sort/1024",
                "run_type": "iteration",
                "real_time": 12.0,
                "cpu_time": 11.0,
                "time_unit": "us",
                "items_per_second": 0.9e8,
            },
            {
                "name": "BM_Sort/1024_mean",
                "run_name": "BM_Sort/1024",
                "run_type": "aggregate",
                "aggregate_name": "mean",
                "real_time": 11.0,
                "cpu_time": 10.0,
                "time_unit": "us",
            },
        ],
    }
    _, runs = run_import("google-benchmark", write(tmp_path, "gb.json", doc), tmp_path)
    assert runs[0].machine == "bm-1"
    points = by_key(runs)
    assert points[("BM_Sort/1024", "real_time", ())].samples == pytest.approx((10e-6, 12e-6))
    assert points[("BM_Sort/1024", "items_per_second", ())].direction is Direction.HIGHER


def test_hyperfine_times(tmp_path):
    doc = {
        "results": [
            {
                "command": "sleep 0.1",
                "mean": 0.1,
                "times": [0.101, 0.099, 0.1],
                "user": 0.001,
                "system": 0.002,
                "parameters": {"delay": "0.1"},
            }
        ]
    }
    _, runs = run_import("hyperfine", write(tmp_path, "h.json", doc), tmp_path)
    point = by_key(runs)[("sleep_0.1", "wall_time", (("delay", "0.1"), ("name", "sleep 0.1")))]
    assert point.samples == (0.101, 0.099, 0.1) and point.unit == "s"


K6_EXPORT = {
    "metrics": {
        "http_req_duration": {"avg": 7.57, "med": 7.71, "p(90)": 9.42, "p(95)": 10.65},
        "http_reqs": {"count": 23322, "rate": 776.88},
        "data_received": {"count": 2.6e9, "rate": 86e6},
        "http_req_failed": {"value": 0, "passes": 0, "fails": 23322},
    }
}
K6_HANDLE_SUMMARY = {
    "metrics": {
        "http_req_duration": {"type": "trend", "values": {"med": 0.54, "p(90)": 2.63, "p(99)": 5.0, "avg": 1.04}},
        "http_reqs": {"type": "counter", "values": {"count": 158691, "rate": 5287.06}},
    }
}


@pytest.mark.parametrize(("doc", "p50", "rate"), [(K6_EXPORT, 7.71e-3, 776.88), (K6_HANDLE_SUMMARY, 0.54e-3, 5287.06)])
def test_k6_summary_export_and_handle_summary(tmp_path, doc, p50, rate):
    _, runs = run_import("k6", write(tmp_path, "gosherve.json", doc), tmp_path)
    points = by_key(runs)
    assert points[("gosherve", "latency_p50", ())].samples == pytest.approx((p50,))
    assert points[("gosherve", "requests_per_s", ())].samples == (rate,)
    assert points[("gosherve", "requests_per_s", ())].direction is Direction.HIGHER


WRK_TEXT = """\
Running 30s test @ http://127.0.0.1:8080/
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   635.91us    0.89ms  12.92ms   93.69%
    Req/Sec    56.20k     8.07k   62.00k    86.54%
  Latency Distribution
     50%  250.00us
     75%  491.00us
     90%  700.00us
     99%    5.80ms
  3748513 requests in 30.01s, 4.00GB read
Requests/sec: 124923.79
Transfer/sec:    136.60MB
"""


def test_wrk_text_report(tmp_path):
    _, runs = run_import("wrk", write(tmp_path, "http.txt", WRK_TEXT), tmp_path)
    points = by_key(runs)
    assert points[("http", "latency_p99", ())].samples == pytest.approx((5.8e-3,))
    assert points[("http", "requests_per_s", ())].samples == (124923.79,)
    assert points[("http", "transfer_per_s", ())].samples == pytest.approx((136.6 * 2**20,))


def test_wrk_done_hook_csv_groups_rows_into_samples(tmp_path):
    rows = (
        "http,10,100000,500,50,450,700,1200\nhttp,10,100000,520,60,460,720,1300\nhttps,10,90000,800,70,750,990,2000\n"
    )
    tally, runs = run_import("wrk", write(tmp_path, "tls-bench.csv", rows), tmp_path)
    assert tally.problems == []
    points = by_key(runs)
    http = points[("tls-bench", "latency_p50", (("config", "http"), ("size", "10")))]
    assert http.samples == pytest.approx((450e-6, 460e-6))
    assert points[("tls-bench", "requests", (("config", "https"), ("size", "10")))].samples == (90000.0,)
    bad = write(tmp_path, "bad.csv", "config,size,p50\nhttp,10,fast\n")
    tally, _ = run_import("wrk", bad, tmp_path / "other")
    assert [(p.place, p.message) for p in tally.problems] == [("line 2", "column p50: expected a number, found 'fast'")]


def test_go_test_bench_with_benchmem_and_count(tmp_path):
    text = """goos: linux
goarch: amd64
pkg: example.com/parse
cpu: Test CPU @ 3.0GHz
BenchmarkParse-8   	 1000000	      1200 ns/op	  56.00 MB/s	     128 B/op	       2 allocs/op
BenchmarkParse-8   	 1000000	      1300 ns/op	  52.00 MB/s	     128 B/op	       2 allocs/op
PASS
ok  	example.com/parse	2.5s
"""
    _, runs = run_import("go", write(tmp_path, "bench.txt", text), tmp_path)
    points = by_key(runs)
    assert points[("example.com/parse/BenchmarkParse", "time", ())].samples == pytest.approx((1.2e-6, 1.3e-6))
    assert points[("example.com/parse/BenchmarkParse", "throughput", ())].direction is Direction.HIGHER
    assert points[("example.com/parse/BenchmarkParse", "allocations", ())].samples == (2.0, 2.0)
    assert runs[0].fingerprint["cpu_model"] == "Test CPU @ 3.0GHz"


def test_bencher_metric_format(tmp_path):
    doc = {
        "parse::json": {
            "latency": {"value": 88.0, "lower_value": 87.0, "upper_value": 89.0},
            "throughput": {"value": 5.0},
        }
    }
    _, runs = run_import("bmf", write(tmp_path, "bmf.json", doc), tmp_path)
    points = by_key(runs)
    latency = points[("parse_json", "latency", (("name", "parse::json"),))]
    # BMF latency is in nanoseconds: stored in seconds, its range with it
    assert latency.unit == "s" and latency.samples == pytest.approx((88e-9,)) and latency.direction is Direction.LOWER
    assert (latency.spread.low, latency.spread.high) == pytest.approx((87e-9, 89e-9))
    assert points[("parse_json", "throughput", (("name", "parse::json"),))].direction is Direction.HIGHER


def test_pyperf_values_without_warmups(tmp_path):
    doc = {
        "version": "1.0",
        "metadata": {"hostname": "bm-2", "unit": "second"},
        "benchmarks": [
            {
                "metadata": {"name": "json_dumps"},
                "runs": [{"warmups": [[1, 9.0]], "values": [0.01, 0.011]}, {"values": [0.012]}],
            }
        ],
    }
    _, runs = run_import("pyperf", write(tmp_path, "p.json", doc), tmp_path)
    assert runs[0].machine == "bm-2"
    assert by_key(runs)[("json_dumps", "time", ())].samples == (0.01, 0.011, 0.012)


def test_truncated_file_names_the_line_and_the_rest_is_imported(tmp_path):
    good = write(tmp_path, "in/a.json", {"results": [{"command": "true", "times": [0.001]}]})
    bad = write(tmp_path, "in/b.json", '{"results": [{"command": "x", "times": [0.1')
    tally, runs = run_import("hyperfine", good.parent, tmp_path)
    assert tally.written == 1 and len(runs) == 1
    (problem,) = tally.problems
    assert problem.file == str(bad) and problem.place.startswith("line 1 column")


def test_formats_without_a_commit_need_one(tmp_path):
    path = write(tmp_path, "h.json", {"results": [{"command": "true", "times": [0.001]}]})
    tally, runs = run_import("hyperfine", path, tmp_path, commit=None)
    assert runs == [] and "pass --commit" in tally.problems[0].message


def test_cli_import_with_commit_from_git_and_strict(git_repo):
    import subprocess

    sha = commit_file(git_repo, "bench.json", json.dumps({"results": [{"command": "true", "times": [0.001]}]}), "b")
    write(git_repo, "broken.json", "{")

    def cli(*args):
        return subprocess.run(
            [PYTHON, "-m", "perfpages", "import", *args], cwd=git_repo, capture_output=True, text=True, timeout=120
        )

    done = cli("hyperfine", "bench.json", "--commit", "HEAD", "--machine", "ci", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["written"] == 1
    (path,) = (git_repo / "results" / "ci").rglob("*.json")
    doc = json.loads(path.read_text())
    assert doc["run"]["head"] == sha and doc["commits"][sha]["subject"] == "b"
    strict = cli("hyperfine", "broken.json", "bench.json", "--commit", "HEAD", "--strict")
    assert strict.returncode == 1 and "broken.json: line 1 column 2: not valid JSON" in strict.stderr


def test_an_imported_interval_is_the_charts_band_when_there_are_no_samples(tmp_path):
    from perfpages.analysis.series import build_series

    root = _asv_tree(tmp_path)
    _, runs = run_import("asv", root, tmp_path)
    order = [r.head.sha for r in sorted(runs, key=lambda r: r.head.committer_date)]
    by_label = {(s.key.label, s.key.metric): s for s in build_series(runs, order)}
    heap = by_label[("bench.TimeSuite.time_sort[env=py3.12,kind=heap,n=10,version=v]", "time")]
    assert heap.points[0].samples == (2.0,) and heap.points[0].spread == (1.8, 2.2)
    quick = by_label[("bench.TimeSuite.time_sort[env=py3.12,kind=quick,n=10,version=v]", "time")]
    assert [p.spread for p in quick.points] == [None, None]  # raw samples speak for themselves
