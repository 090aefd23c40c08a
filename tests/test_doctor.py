"""`perfpages doctor`: each check judged from a fingerprint, with the fix it suggests."""

from __future__ import annotations

import json

from click.testing import CliRunner

from perfpages.cli import cli
from perfpages.runner.doctor import Status, Tools, diagnose, noise_warnings

TUNED = {
    "governor": "performance",
    "turbo": False,
    "smt": False,
    "aslr": False,
    "isolated_cpus": "2-3",
    "pinned_cpus": [2, 3],
    "load_average": [0.02, 0.1, 0.1],
    "logical_cpus": 4,
    "perf_counters": True,
}
UNTUNED = {
    "governor": "powersave",
    "turbo": True,
    "smt": True,
    "aslr": True,
    "isolated_cpus": None,
    "pinned_cpus": [],
    "load_average": [3.5, 2.0, 1.0],
    "logical_cpus": 4,
    "perf_counters": False,
}
VM = {"governor": None, "turbo": None, "smt": None, "aslr": None, "load_average": [0.0], "logical_cpus": 2}


def statuses(fp: dict, tools: Tools) -> dict[str, Status]:
    return {c.code: c.status for c in diagnose(fp, tools)}


def test_a_tuned_machine_passes_every_check():
    assert set(statuses(TUNED, Tools(valgrind=True, aslr_off_per_run=False)).values()) == {Status.OK}


def test_an_untuned_machine_gets_a_fix_for_each_problem():
    checks = {c.code: c for c in diagnose(UNTUNED, Tools(valgrind=False, aslr_off_per_run=False))}
    warned = {code for code, c in checks.items() if c.status is Status.WARN}
    assert warned == {"governor", "turbo", "smt", "aslr", "isolated", "load", "valgrind"}
    assert "cpupower frequency-set -g performance" in checks["governor"].fix
    assert "smt/control" in checks["smt"].fix and "isolcpus=" in checks["isolated"].fix
    assert checks["perf"].status is Status.UNKNOWN  # missing counters are normal: callgrind counts instead


def test_aslr_is_fine_when_each_run_disables_it():
    assert statuses(UNTUNED, Tools(valgrind=True, aslr_off_per_run=True))["aslr"] is Status.OK


def test_values_a_vm_hides_are_unknown_not_warnings():
    found = statuses(VM, Tools(valgrind=True, aslr_off_per_run=True))
    assert found["governor"] is found["turbo"] is found["smt"] is Status.UNKNOWN
    assert noise_warnings(VM) == []


def test_run_warns_only_about_what_makes_wall_time_noisy():
    assert [c.code for c in noise_warnings(UNTUNED)] == ["governor", "turbo", "smt", "load"]


def test_cli_json_and_strict_exit_code():
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["code"] for r in rows] == ["governor", "turbo", "smt", "aslr", "isolated", "load", "perf", "valgrind"]
    assert all(set(r) == {"code", "title", "status", "value", "fix"} for r in rows)
    strict = CliRunner().invoke(cli, ["doctor", "--strict", "--json"])
    assert strict.exit_code == (5 if any(r["status"] == "warn" for r in rows) else 0)
