"""The files `perfpages init` writes: perfpages.yml, the two workflow callers and the .gitignore lines.

Values are written as JSON strings (JSON is YAML), so no scenario name, path or argument can change
the YAML around it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from perfpages import __version__
from perfpages.adopt.detect import OUTPUT_DIR, Tool

IGNORED = ("/docs/perf/", "/site/", "/.perfpages-cache/", f"/{OUTPUT_DIR}/")
# The tools warm up and repeat each benchmark themselves; perfpages' few runs of the whole suite show
# the noise between processes in the samples too.
REPORT_REPETITIONS = 3
REUSABLE = "perfpages/perfpages/.github/workflows"


@dataclass(frozen=True)
class Planned:
    path: str  # relative to the repository root
    text: str
    append: bool = False  # .gitignore: only the missing lines are added


def plan(root: Path, tools: tuple[Tool, ...], ref: str, branch: str = "main") -> tuple[Planned, ...]:
    """What init would write in ``root``; ``ref`` is the perfpages commit or tag the callers pin,
    ``branch`` the repository's main branch (what pushes are measured on)."""
    return (
        Planned("perfpages.yml", perfpages_yml(root.name, tools, branch)),
        Planned(".github/workflows/bench.yml", _caller(BENCH_CALLER, ref).replace("[main]", f"[{json.dumps(branch)}]")),
        Planned(".github/workflows/publish.yml", _caller(PUBLISH_CALLER, ref)),
        Planned(".gitignore", _missing_lines(root / ".gitignore"), append=True),
    )


def perfpages_yml(name: str, tools: tuple[Tool, ...], branch: str = "main") -> str:
    lines = [
        "# perfpages' scenarios for this repository, written by `perfpages init`. Reference: docs/configuration.md.",
        f"project: {{name: {json.dumps(name)}, main_branch: {json.dumps(branch)}}}",
        "defaults: {warmup: 1, repetitions: 5, timeout: 1800}",
        "scenarios:",
    ]
    for tool in tools:
        lines += _scenario(tool)
    if not tools:
        lines += [
            "  # No benchmark tool was found: replace this with a command that exercises your code.",
            '  - name: "example"',
            '    command: ["python3", "-c", "sum(range(10**6))"]',
            "    metrics: [wall_time]",
        ]
    return "\n".join(lines) + "\n"


def _scenario(tool: Tool) -> list[str]:
    command = tool.command if isinstance(tool.command, str) else list(tool.command)
    if tool.report is None:
        head = [f"  # {tool.tool}, found in {tool.evidence}: the whole suite's wall time.", f"  # {tool.hint}"]
    else:
        head = [f"  # {tool.tool}, found in {tool.evidence}: each benchmark in its report, and the suite's wall time."]
    lines = [*head, f"  - name: {json.dumps(tool.name)}"]
    lines += [f"    cwd: {json.dumps(tool.cwd)}"] if tool.cwd else []
    lines += [f"    setup: {json.dumps(list(tool.setup))}"] if tool.setup else []
    lines += [f"    command: {json.dumps(command)}"]
    if tool.report is None:
        return [*lines, "    metrics: [wall_time, cpu_time, max_rss]"]
    output = {"format": tool.report.format} | ({"file": tool.report.file} if tool.report.file else {})
    return [
        *lines,
        f"    output: {json.dumps(output)}",
        f"    warmup: 0\n    repetitions: {REPORT_REPETITIONS}",
        "    metrics: [wall_time]",
    ]


def _caller(template: str, ref: str) -> str:
    return template.replace("REUSABLE", REUSABLE).replace("@REF", f"@{ref}").replace("VERSION", __version__)


def _missing_lines(gitignore: Path) -> str:
    present = set(gitignore.read_text().splitlines()) if gitignore.is_file() else set()
    return "".join(f"{line}\n" for line in IGNORED if line not in present)


BENCH_CALLER = """\
# Benchmarks on your bare-metal runners, gated: see perfpages' docs/workflows.md.
name: bench
RUN_NAME
on:
  push: {branches: [main]}
  # Both run this file from the default branch; the gate approves only the SHA a maintainer names.
  pull_request_target: {types: [opened, synchronize, reopened]} # zizmor: ignore[dangerous-triggers] see above
  issue_comment: {types: [created]}
  workflow_dispatch:
permissions: {}
jobs:
  bench:
    if: github.event_name != 'issue_comment' || startsWith(github.event.comment.body, '/benchmark')
    permissions: {contents: read, pull-requests: read}
    uses: REUSABLE/perfpages-bench.yml@REF
    with:
      runners: '["bare-metal-1"]' # your self-hosted runners' labels
      perfpages: perfpages==VERSION
""".replace(
    "RUN_NAME",
    'run-name: "bench: ${{ github.event_name }} '
    "pr=${{ github.event.pull_request.number || github.event.issue.number || 'none' }}\"",
)

PUBLISH_CALLER = """\
# Records, deploys and comments what bench measured: see perfpages' docs/workflows.md.
name: publish
on:
  # Runs nothing from the bench run: its artifacts are checked as data.
  workflow_run: {workflows: [bench], types: [completed]} # zizmor: ignore[dangerous-triggers] see above
permissions: {}
jobs:
  publish:
    permissions: {contents: write, actions: read, pull-requests: write, pages: write, id-token: write}
    uses: REUSABLE/perfpages-publish.yml@REF
    with:
      perfpages: perfpages==VERSION
"""
