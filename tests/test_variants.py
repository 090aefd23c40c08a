"""Variant comparisons: settings, grouping and the summary table's numbers, cores pinning, local servers."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import textwrap
from pathlib import Path

import pytest

from perfpages.config import load_config
from perfpages.errors import ConfigError
from perfpages.model import CommitInfo, Direction, Measurement, RunRecord, Variants
from perfpages.runner.executor import SubprocessExecutor
from perfpages.runner.plan import Side
from perfpages.runner.session import RunOptions, cpus_for, measure
from perfpages.site import urls
from perfpages.site.gather import gather
from perfpages.site.pages import render_site
from perfpages.site.variants import summary_table, variants_document

MATRIX = """\
scenarios:
  - name: serve
    command: ["true"]
    matrix:
      variant: [gosherve, servy]
      body_size: [10, 100]
      cores: [1, 2]
    metrics:
      - {name: requests_per_s, json_pointer: /rps, unit: 1/s, direction: higher}
      - {name: latency_p50, json_pointer: /p50, unit: s, direction: lower}
      - {name: latency_p99, json_pointer: /p99, unit: s, direction: lower}
    variants: {}
"""


def config_from(tmp_path: Path, text: str):
    path = tmp_path / "perfpages.yml"
    path.write_text(textwrap.dedent(text))
    return load_config(path)


def test_variants_defaults_come_from_the_matrix(tmp_path):
    (first, *_) = config_from(tmp_path, MATRIX).scenarios
    # the axis is the dimension named like one; x the numeric dimension that is not cores
    assert first.variants == Variants(axis="variant", x="body_size", reference="gosherve")


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ("{axis: colour}", "'colour' is not a matrix dimension"),
        ("{axis: variant, x: variant}", "x must be another dimension than axis"),
        ("{axis: variant, reference: nginx}", "'nginx' is not a value of variant"),
    ],
)
def test_bad_variant_settings_say_what_to_use(tmp_path, variants, message):
    with pytest.raises(ConfigError) as info:
        config_from(tmp_path, MATRIX.replace("variants: {}", f"variants: {variants}"))
    assert message in str(info.value) and "perfpages.yml:" in str(info.value)


def test_cores_must_be_counts_and_servers_stay_on_loopback(tmp_path):
    with pytest.raises(ConfigError, match="cores values are CPU counts"):
        config_from(tmp_path, MATRIX.replace("cores: [1, 2]", "cores: [one, 2]"))
    server = """\
scenarios:
  - name: load
    server: {command: ["python3", "-m", "http.server"], port: 8000}
    command: ["wrk", "http://example.com/"]
    output: wrk
    metrics: [requests_per_s]
"""
    with pytest.raises(ConfigError, match=r"'example\.com': a scenario with a server may only address"):
        config_from(tmp_path, server)
    with pytest.raises(ConfigError, match="cannot count instructions"):
        config_from(
            tmp_path, server.replace("example.com", "127.0.0.1:8000").replace("[requests_per_s]", "[instructions]")
        )
    ok = config_from(tmp_path, server.replace("example.com", "127.0.0.1:8000")).scenarios[0]
    assert ok.server.port == 8000 and ok.metrics[0].output == "wrk" and ok.metrics[0].direction is Direction.HIGHER


def sha(n: int) -> str:
    return f"{n:040x}"


VALUES = {  # (variant, body_size, cores) -> (requests/s samples, p50, p99)
    ("gosherve", "10", "1"): ((100.0, 110.0, 90.0), 0.010, 0.030),
    ("servy", "10", "1"): ((200.0, 190.0, 210.0), 0.005, 0.020),
    ("gosherve", "100", "1"): ((80.0, 80.0, 80.0), 0.012, 0.040),
    ("servy", "100", "1"): ((60.0, 60.0, 60.0), 0.015, 0.050),
    ("gosherve", "10", "2"): ((190.0, 190.0, 190.0), 0.006, 0.020),
    ("servy", "10", "2"): ((380.0, 380.0, 380.0), 0.003, 0.010),
    ("gosherve", "100", "2"): ((150.0, 150.0, 150.0), 0.008, 0.030),
    ("servy", "100", "2"): ((110.0, 110.0, 110.0), 0.010, 0.040),
}


def run_at(n: int, scale: float) -> RunRecord:
    info = CommitInfo(sha(n), f"commit {n}", "Ada", f"2026-10-0{n}T10:00:00Z", f"2026-10-0{n}T10:00:00Z")
    measurements = []
    for (variant, size, cores), (rps, p50, p99) in VALUES.items():
        params = (("body_size", size), ("cores", cores), ("variant", variant))
        measurements += [
            Measurement(
                "serve", "requests_per_s", "1/s", Direction.HIGHER, info.sha, tuple(r * scale for r in rps), params
            ),
            Measurement("serve", "latency_p50", "s", Direction.LOWER, info.sha, (p50,), params),
            Measurement("serve", "latency_p99", "s", Direction.LOWER, info.sha, (p99,), params),
        ]
    return RunRecord(f"r{n}", "bm-1", info, info.committer_date, info.committer_date, "t", {}, tuple(measurements))


@pytest.fixture
def site(tmp_path):
    config = config_from(tmp_path, MATRIX)
    return gather(config, [run_at(1, 1.0), run_at(2, 2.0)], [sha(1), sha(2)])


def test_grouping_puts_the_axis_first_and_the_newest_commit_first(site):
    (vs,) = site.variant_sets
    assert vs.name == "serve" and vs.machine == "bm-1"
    assert vs.dims == (("variant", ("gosherve", "servy")), ("body_size", ("10", "100")), ("cores", ("1", "2")))
    assert [d for d, _ in vs.filters] == ["body_size", "cores"] and vs.scaling
    assert [m.name for m in vs.metrics] == ["requests_per_s", "latency_p50", "latency_p99"]
    assert [m.percentile for m in vs.metrics] == [None, 50.0, 99.0]
    assert [c.sha for c in vs.commits] == [sha(2), sha(1)]


def test_summary_table_numbers(site):
    (vs,) = site.variant_sets
    rows = {r.metric.name: r for r in summary_table(vs, sha(1), {"body_size": "10", "cores": "1"})}
    rps = rows["requests_per_s"]
    assert rps.values == (100.0, 200.0) and rps.best == "servy" and rps.ratios == (1.0, 2.0)
    p99 = rows["latency_p99"]
    assert p99.values == (0.030, 0.020) and p99.best == "servy"  # lower is better
    assert p99.ratios == pytest.approx((1.0, 2 / 3))
    at_100 = {r.metric.name: r for r in summary_table(vs, sha(1), {"body_size": "100", "cores": "1"})}
    assert at_100["requests_per_s"].best == "gosherve" and at_100["latency_p50"].best == "gosherve"
    newer = {r.metric.name: r for r in summary_table(vs, sha(2), {"body_size": "10", "cores": "1"})}
    assert newer["requests_per_s"].values == (200.0, 400.0)  # the commit chosen, not the newest


def test_document_and_pages_link_both_ways(site):
    (vs,) = site.variant_sets
    doc = json.loads(json.dumps(variants_document(vs)))
    assert doc["axis"] == "variant" and doc["x"] == "body_size" and doc["scaling"] == "cores"
    assert doc["cells"][sha(1)]["body_size=10,cores=2,variant=servy"]["requests_per_s"] == [380.0, 380.0, 380.0]
    table = doc["tables"][sha(1)]["body_size=10,cores=1"]
    assert table[0] == {"metric": "requests_per_s", "values": [100.0, 200.0], "best": "servy", "ratios": [1.0, 2.0]}
    files = render_site(site, {})
    page = files[urls.variants_page(vs.slug)].decode()
    assert "<td><strong>400 1/s (×2.00) ★</strong></td>" in page  # the newest commit, by default
    assert 'data-view="scaling"' in page and 'data-view="percentiles"' in page
    assert "../scenarios/serve-body-size-10-cores-1-variant-servy-" in page
    trend = next(v for k, v in files.items() if k.startswith("perf/scenarios/serve-body-size-10-cores-1-variant-servy"))
    assert f"]({'../variants/' + vs.slug}.md)" in trend.decode()
    assert f'href="variants/{vs.slug}/">serve</a>' in files[urls.OVERVIEW].decode()


def test_cores_pin_to_the_first_allowed_cpus():
    from perfpages.model import Command, Scenario

    allowed = tuple(sorted(os.sched_getaffinity(0)))
    one = Scenario("s", Command(("true",)), (), params=(("cores", "1"),))
    assert cpus_for(one, RunOptions("m", "r")) == allowed[:1]
    assert cpus_for(one, RunOptions("m", "r", cpus=(7, 5))) == (7,)
    too_many = Scenario("s", Command(("true",)), (), params=(("cores", str(len(allowed) + 1)),))
    with pytest.raises(ValueError, match="CPUs are available"):
        cpus_for(too_many, RunOptions("m", "r"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER = f'["{sys.executable}", "-m", "http.server", "--bind", "127.0.0.1", "{{port}}"]'


def measure_one(tmp_path: Path, text: str):
    config = config_from(tmp_path, text)
    side = Side("head", CommitInfo(sha(1)), tmp_path)
    return measure(config.scenarios, (side,), SubprocessExecutor(), RunOptions("m", "r"), {})


def test_a_server_is_started_for_each_repetition_and_left_running_nowhere(tmp_path):
    port = free_port()
    text = f"""\
scenarios:
  - name: fetch
    server: {{command: {SERVER.format(port=port)}, port: {port}}}
    command: ["{sys.executable}", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/')"]
    warmup: 0
    repetitions: 2
    metrics: [wall_time]
"""
    record = measure_one(tmp_path, text)
    assert record.failures == () and len(record.measurements[0].samples) == 2
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the server is gone


def test_a_server_that_never_listens_is_a_clear_failure(tmp_path):
    port = free_port()
    text = f"""\
scenarios:
  - name: fetch
    server:
      command: ["{sys.executable}", "-c", "import sys; sys.exit('cannot bind: permission denied')"]
      port: {port}
    command: ["true"]
    warmup: 0
    repetitions: 1
    metrics: [wall_time]
"""
    (failure,) = measure_one(tmp_path, text).failures
    assert "server exited with status 1 before listening: cannot bind: permission denied" in failure.reason
    slow = text.replace("import sys; sys.exit('cannot bind: permission denied')", "import time; time.sleep(30)")
    slow = slow.replace(f"port: {port}\n", f"port: {port}\n      ready_timeout: 0.5\n")
    (failure,) = measure_one(tmp_path, slow).failures
    assert f"did not accept connections on 127.0.0.1:{port} within 0.5 s" in failure.reason


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_wrk_report_becomes_metrics(tmp_path):
    port = free_port()
    text = f"""\
scenarios:
  - name: load
    server: {{command: {SERVER.format(port=port)}, port: {port}}}
    command: ["wrk", "-t1", "-c2", "-d1s", "--latency", "http://127.0.0.1:{port}/"]
    output: wrk
    warmup: 0
    repetitions: 1
    metrics: [latency_p50, latency_p99, requests_per_s]
"""
    record = measure_one(tmp_path, text)
    assert record.failures == ()
    got = {m.metric: m for m in record.measurements}
    assert got["requests_per_s"].samples[0] > 10 and got["requests_per_s"].direction is Direction.HIGHER
    assert 0 < got["latency_p50"].samples[0] <= got["latency_p99"].samples[0] < 1


def test_results_without_the_axis_dimension_make_no_page(tmp_path):
    config = config_from(tmp_path, MATRIX.replace("variants: {}", "variants: {axis: variant, x: body_size}"))
    old = run_at(1, 1.0)
    flat = tuple(
        Measurement(m.scenario, m.metric, m.unit, m.direction, m.commit, m.samples, (("cores", "1"),))
        for m in old.measurements
        if dict(m.params)["variant"] == "servy" and dict(m.params)["body_size"] == "10"
    )
    site = gather(config, [RunRecord("r", "bm-1", old.head, old.started_at, old.finished_at, "t", {}, flat)], [sha(1)])
    assert site.variant_sets == ()


def test_more_cores_than_the_machine_has_is_a_recorded_failure(tmp_path):
    text = """\
scenarios:
  - name: scale
    setup: ["true"]
    command: ["true"]
    matrix: {cores: [4096]}
    warmup: 0
    repetitions: 1
    metrics: [wall_time]
"""
    (failure,) = measure_one(tmp_path, text).failures
    assert "cores=4096" in failure.reason and "CPUs are available" in failure.reason
