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


def test_the_three_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["bench.yml", "ci.yml", "publish.yml"]


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


def test_zizmor_finds_nothing():
    if shutil.which("zizmor") is None:
        tool_missing("zizmor")
    done = subprocess.run(
        ["zizmor", "--offline", "--format", "json", *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=120
    )
    assert json.loads(done.stdout) == [], done.stdout
    assert done.returncode == 0, done.stderr


def test_every_action_is_pinned_to_a_commit():
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if "uses:" in line:
                assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d", line), f"{path.name}: {line.strip()}"


def test_pull_request_target_is_never_used():
    for path in WORKFLOWS:
        assert "pull_request_target" not in path.read_text(), path.name


def test_bench_job_holds_no_write_token_and_shares_each_machine():
    bench = load("bench.yml")
    assert bench["permissions"] == {}
    job = bench["jobs"]["bench"]
    assert job["permissions"] == {"contents": "read"}
    assert job["runs-on"][0] == "self-hosted" and "matrix.runner" in job["runs-on"][1]
    assert "matrix.runner" in job["concurrency"]["group"] and job["concurrency"]["cancel-in-progress"] is False
    checkout = job["steps"][0]
    assert checkout["with"]["persist-credentials"] is False
    assert checkout["with"]["ref"].startswith("${{ github.event.pull_request.head.sha")
    assert set(bench["on"]["workflow_dispatch"]["inputs"]) == {"ref", "base", "scenarios", "repetitions", "publish"}


def test_publish_never_checks_out_pull_request_code():
    publish = load("publish.yml")
    assert list(publish["on"]) == ["workflow_run"]
    for job in publish["jobs"].values():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["ref"] == "main"
    assert publish["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def _gate(**event: str) -> str:
    """Run the gate step's own script with an event's values; returns its `run` output."""
    step = load("bench.yml")["jobs"]["gate"]["steps"][0]
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": event.pop("output")}
    env.update({k: "" for k in step["env"]})
    env.update(event)
    subprocess.run(["bash", "-e", "-c", step["run"]], env=env, check=True, capture_output=True)
    return Path(env["GITHUB_OUTPUT"]).read_text().strip()


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"EVENT": "push"}, "true"),
        ({"EVENT": "workflow_dispatch"}, "true"),
        # A branch of this repository by a trusted author.
        ({"EVENT": "pull_request", "ACTION": "synchronize", "HEAD_REPO": "o/r", "ASSOCIATION": "MEMBER"}, "true"),
        ({"EVENT": "pull_request", "ACTION": "opened", "HEAD_REPO": "o/r", "ASSOCIATION": "OWNER"}, "true"),
        # A branch of this repository by someone else (possible for a bot or a former member).
        ({"EVENT": "pull_request", "ACTION": "opened", "HEAD_REPO": "o/r", "ASSOCIATION": "CONTRIBUTOR"}, "false"),
        # A fork, even by a collaborator: only the label approves its code.
        ({"EVENT": "pull_request", "ACTION": "opened", "HEAD_REPO": "x/r", "ASSOCIATION": "COLLABORATOR"}, "false"),
        ({"EVENT": "pull_request", "ACTION": "synchronize", "HEAD_REPO": "x/r", "ASSOCIATION": "NONE"}, "false"),
        ({"EVENT": "pull_request", "ACTION": "labeled", "LABEL": "benchmark", "HEAD_REPO": "x/r"}, "true"),
        (
            {"EVENT": "pull_request", "ACTION": "labeled", "LABEL": "bug", "HEAD_REPO": "o/r", "ASSOCIATION": "OWNER"},
            "false",
        ),
        ({"EVENT": "issue_comment"}, "false"),
    ],
)
def test_gate_runs_only_trusted_code_on_bare_metal(tmp_path, event, expected):
    output = tmp_path / "out"
    output.touch()
    assert _gate(REPO="o/r", output=str(output), **event) == f"run={expected}"
