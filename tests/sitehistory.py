"""A small, fixed project history for the site tests: seeded, with hostile strings.

40 commits on main measured on one machine; `parse` steps up 20% at commit 25;
a PR (#7) makes `parse` 2x slower and `serve` 1.5x faster. Commit subjects, an
author, a branch and a parameter value carry HTML, Markdown-link and template payloads.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from perfpages.model import CommitInfo, Direction, Measurement, RunRecord
from perfpages.results.store import write_run
from perfpages.site.build import MINIMAL_MKDOCS_YML

MACHINE = "bench-1"
COMMITS = 40
STEP_AT = 25
PR_NUMBER = 7
# Scenario names are restricted by the schema; parameter values are free text.
HOSTILE_PARAM = "<script>alert('param')</script>{{ x }}"
HOSTILE_SUBJECT = '<script>alert("subject")</script> tidy'
HOSTILE_LINK = "[click](javascript:alert(1)) {{ config.site_name }}"
HOSTILE_AUTHOR = "<img src=x onerror=alert(2)>"

PERFPAGES_YML = """\
project:
  name: demo
  repository: https://github.com/example/demo
  main_branch: main
scenarios:
  - name: parse
    tags: [core]
    command: ["true"]
    metrics: [wall_time]
  - name: serve
    tags: [http]
    command: ["true"]
    matrix: {body: ["10"]}
    metrics:
      - {name: requests_per_s, json_pointer: /rps, unit: 1/s, direction: higher}
"""


def sha(i: int | str) -> str:
    return hashlib.sha1(str(i).encode()).hexdigest()


def subject(i: int) -> str:
    return {7: HOSTILE_SUBJECT, 12: HOSTILE_LINK}.get(i, f"Change number {i}")


def commit(i: int) -> CommitInfo:
    return CommitInfo(
        sha=sha(i),
        subject=subject(i),
        author=HOSTILE_AUTHOR if i == 3 else "Ada",
        author_date=f"2026-10-{1 + i % 28:02d}T12:00:00+00:00",
        committer_date=f"2026-{9 + i // 28:02d}-{1 + i % 28:02d}T12:00:00+00:00",
        parents=(sha(i - 1),) if i else (),
    )


def _samples(rng: np.random.Generator, level: float, n: int = 5) -> tuple[float, ...]:
    return tuple(float(x) for x in level * (1 + 0.01 * rng.standard_normal(n)))


def _measurements(rng, at: str, parse: float, serve: float) -> tuple[Measurement, ...]:
    return (
        Measurement("parse", "wall_time", "s", Direction.LOWER, at, _samples(rng, parse)),
        Measurement("serve", "requests_per_s", "1/s", Direction.HIGHER, at, _samples(rng, serve), (("body", "10"),)),
        Measurement(
            "render", "wall_time", "s", Direction.LOWER, at, _samples(rng, 0.5), (("template", HOSTILE_PARAM),)
        ),
    )


def main_run(i: int, rng: np.random.Generator) -> RunRecord:
    info = commit(i)
    parse = 1.0 * (1.2 if i >= STEP_AT else 1.0)
    return RunRecord(
        run_id=f"main-{i}",
        machine=MACHINE,
        head=info,
        started_at=f"{info.committer_date[:10]}T13:00:00Z",
        finished_at=f"{info.committer_date[:10]}T13:05:00Z",
        tool_version="0.2.0",
        fingerprint={"cpu_model": "Test CPU", "kernel": "6.1", "governor": "performance"},
        measurements=_measurements(rng, info.sha, parse, 1000.0),
        branch="main",
    )


def pr_run(rng: np.random.Generator, base_index: int = COMMITS - 1) -> RunRecord:
    base, head = (
        commit(base_index),
        CommitInfo(
            sha=sha("pr-head"),
            subject="Make parsing thorough",
            author="Grace",
            author_date="2026-10-20T09:00:00+00:00",
            committer_date="2026-10-20T09:00:00+00:00",
            parents=(sha(base_index),),
        ),
    )
    parse = 1.2  # main's level at the base
    return RunRecord(
        run_id="pr-7-1",
        machine=MACHINE,
        head=head,
        base=base,
        started_at="2026-10-20T10:00:00Z",
        finished_at="2026-10-20T10:10:00Z",
        tool_version="0.2.0",
        fingerprint={"cpu_model": "Test CPU", "kernel": "6.1", "governor": "performance"},
        measurements=(
            *_measurements(rng, base.sha, parse, 1000.0),
            *_measurements(rng, head.sha, parse * 2, 1500.0),
        ),
        pull_request=PR_NUMBER,
        branch="feature/<b>thorough</b>",
        ci_url="https://github.com/example/demo/actions/runs/1)<script>alert(3)</script>",
    )


def make_project(root: Path, commits: int = COMMITS, with_pr: bool = True) -> Path:
    """Write perfpages.yml, mkdocs.yml, docs/ and results/ under root; returns root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "perfpages.yml").write_text(PERFPAGES_YML)
    (root / "mkdocs.yml").write_text(MINIMAL_MKDOCS_YML.format(site_name="demo"))
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "index.md").write_text("# Demo\n\nThe [dashboard](perf/index.md).\n")
    add_main_runs(root, range(commits))
    if with_pr:
        write_run(root / "results", pr_run(np.random.default_rng(99)))
    return root


def add_main_runs(root: Path, indices) -> None:
    for i in indices:
        write_run(root / "results", main_run(i, np.random.default_rng(i)))


def main_record(i: int, measurements: tuple[Measurement, ...], machine: str = "bm-1") -> RunRecord:
    """A run on main of commit ``i`` (sha(i)) on ``machine``, measuring ``measurements``."""
    info = commit(i)
    stamp = f"{info.committer_date[:10]}T13:00:00Z"
    return RunRecord(
        run_id=f"main-{i}",
        machine=machine,
        head=info,
        started_at=stamp,
        finished_at=stamp,
        tool_version="0.2.0",
        fingerprint={"cpu_model": "Test CPU"},
        measurements=measurements,
        branch="main",
    )


def write_project(root: Path, perfpages_yml: str, runs) -> Path:
    """A project at ``root`` (made here) with ``perfpages_yml``, the minimal mkdocs.yml, a home page and
    ``runs`` in results/; returns root."""
    root.mkdir(parents=True)
    (root / "perfpages.yml").write_text(perfpages_yml)
    (root / "mkdocs.yml").write_text(MINIMAL_MKDOCS_YML.format(site_name=root.name))
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text(f"# {root.name}\n")
    for record in runs:
        write_run(root / "results", record)
    return root
