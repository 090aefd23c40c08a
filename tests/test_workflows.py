"""The GitHub Actions workflows: linted by actionlint and zizmor, and the fork policy tested by running it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = ROOT / ".ci" / "node" / "node_modules" / "@tktco" / "node-actionlint"
REQUIRED = bool(os.environ.get("PERFPAGES_REQUIRE_LINT"))  # .ci/run sets it: CI must not skip these


def load(name: str) -> dict:
    return YAML(typ="safe").load((ROOT / ".github" / "workflows" / name).read_text())


def tool_missing(what: str) -> None:
    if REQUIRED:
        pytest.fail(f"{what} is required here (PERFPAGES_REQUIRE_LINT is set); .ci/run installs it")
    pytest.skip(f"{what} is not installed; .ci/run installs it")


def test_the_workflows_exist():
    assert [p.name for p in WORKFLOWS] == [
        "bench.yml",
        "ci.yml",
        "perfpages-bench.yml",
        "perfpages-publish.yml",
        "publish.yml",
    ]


def test_actionlint_finds_nothing():
    if not (shutil.which("node") and ACTIONLINT.is_dir()):
        tool_missing("node with the actionlint package")
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "tools" / "actionlint.cjs"), str(ACTIONLINT), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_actionlint_runner_does_report_problems(tmp_path):
    """The lint above could pass by finding nothing at all; a known-bad file shows it looks."""
    if not (shutil.which("node") and ACTIONLINT.is_dir()):
        tool_missing("node with the actionlint package")
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.issue.title }}\n"
    )
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "tools" / "actionlint.cjs"), str(ACTIONLINT), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert [f["kind"] for f in json.loads(done.stdout)] == ["expression"]


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_finds_nothing(persona):
    """Every suppression in the workflows is an inline `zizmor: ignore[...]` with its reason beside it."""
    if shutil.which("zizmor") is None:
        tool_missing("zizmor")
    done = subprocess.run(
        ["zizmor", "--offline", "--persona", persona, "--format", "json", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == [], done.stdout
    assert done.returncode == 0, done.stderr


def test_every_zizmor_suppression_says_why():
    for path in WORKFLOWS:
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if "zizmor: ignore[" in line:
                reason = line.split("]", 1)[1].strip() + (lines[i - 1] if i else "")
                assert len(reason) > 20, f"{path.name}:{i + 1}: a suppression without its reason"


def test_every_action_is_pinned_to_a_commit():
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if "uses:" in line and "uses: ./.github/workflows/" not in line:  # this repository's own
                assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d", line), f"{path.name}: {line.strip()}"


def checkouts(name: str) -> dict[str, str]:
    """The ref each job of a workflow checks out."""
    return {
        job_name: step["with"]["ref"]
        for job_name, job in load(name)["jobs"].items()
        for step in job.get("steps", [])
        if str(step.get("uses", "")).startswith("actions/checkout@")
    }


def test_only_the_gates_sha_or_the_default_branch_is_ever_checked_out():
    default = "${{ github.event.repository.default_branch }}"
    assert checkouts("perfpages-bench.yml") == {"gate": default, "bench": "${{ needs.gate.outputs.sha }}"}
    assert set(checkouts("perfpages-publish.yml").values()) == {default}


def test_pull_requests_reach_bench_only_through_default_branch_triggers():
    on = load("bench.yml")["on"]
    assert set(on) == {"push", "pull_request_target", "issue_comment", "workflow_dispatch"}
    assert set(on["workflow_dispatch"]["inputs"]) == {"ref", "base", "scenarios", "repetitions", "publish"}
    assert load("bench.yml")["jobs"]["bench"]["uses"] == "./.github/workflows/perfpages-bench.yml"
    assert "pr=${{ github.event.pull_request.number || github.event.issue.number" in load("bench.yml")["run-name"]
    assert list(load("publish.yml")["on"]) == ["workflow_run"]
    assert load("publish.yml")["jobs"]["publish"]["uses"] == "./.github/workflows/perfpages-publish.yml"
    for name in ("perfpages-bench.yml", "perfpages-publish.yml"):
        assert list(load(name)["on"]) == ["workflow_call"]


def test_the_gate_and_publish_decide_in_perfpages_not_in_shell():
    gate = load("perfpages-bench.yml")["jobs"]["gate"]["steps"][-1]
    assert gate["run"] == "perfpages gate"
    verify = next(s for s in load("perfpages-publish.yml")["jobs"]["record"]["steps"] if s.get("id") == "verify")
    assert verify["run"].startswith("perfpages publish-verify ")


def test_bench_job_holds_no_write_token_and_shares_each_machine():
    bench = load("perfpages-bench.yml")
    assert bench["permissions"] == {}
    job = bench["jobs"]["bench"]
    assert job["permissions"] == {"contents": "read"}
    assert job["runs-on"][0] == "self-hosted" and "matrix.runner" in job["runs-on"][1]
    assert "matrix.runner" in job["concurrency"]["group"] and job["concurrency"]["cancel-in-progress"] is False
    assert job["steps"][0]["with"]["persist-credentials"] is False
    assert bench["jobs"]["gate"]["permissions"] == {"contents": "read", "pull-requests": "read"}


def test_no_publish_is_cancelled_and_no_workflow_wide_group_drops_one():
    publish = load("perfpages-publish.yml")
    assert "concurrency" not in publish and "concurrency" not in load("publish.yml")
    for job in publish["jobs"].values():
        assert job.get("concurrency", {}).get("cancel-in-progress", False) is False
    assert publish["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
