"""The pull-request loop end to end, through the CLI, as the bench workflow runs it.

A real git repository: main with a few commits, and a PR branch that makes one
scenario twice as slow and another 1.5 times as fast (in instructions, which
callgrind counts exactly). Backfill main, run the PR interleaved, build the site,
write the comment; then add main runs and check the PR's permanent page did not change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from perfpages.site.build import MINIMAL_MKDOCS_YML
from tests.conftest import PYTHON, commit_file, git
from tests.test_cli_end_to_end import perfpages

PROGRAM = """\
#include <stdio.h>
#include <string.h>
static volatile unsigned long sink;
__attribute__((noinline)) void work_parse(long n) { for (long i = 0; i < n; i++) sink += i * 3; }
__attribute__((noinline)) void work_render(long n) { for (long i = 0; i < n; i++) sink ^= i; }
__attribute__((noinline)) void work_steady(long n) { for (long i = 0; i < n; i++) sink += i; }
int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  if (!strcmp(what, "parse")) work_parse(PARSE);
  if (!strcmp(what, "render")) work_render(RENDER);
  if (!strcmp(what, "steady")) work_steady(300000);
  printf("%lu\\n", sink);
  return 0;
}
"""

SCENARIOS = """\
project:
  name: demo
  repository: https://github.com/example/demo
  main_branch: main
  keep_profiles: comparisons
defaults:
  warmup: 0
  repetitions: 1
  timeout: 60
scenarios:
  - name: work
    setup: ["cc", "-O1", "-g", "-o", "bench", "bench.c"]
    command: ["./bench", "${part}"]
    matrix:
      part: [parse, render, steady]
    metrics: [instructions]
"""


def program(parse: int, render: int) -> str:
    return f"#define PARSE {parse}\n#define RENDER {render}\n" + PROGRAM


def cli(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "perfpages", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("cc") and shutil.which("valgrind")), reason="needs a C compiler and valgrind")
def test_pull_request_loop(git_repo: Path, tmp_path: Path):
    repo = git_repo
    (repo / "docs").mkdir()
    (repo / "docs" / "index.md").write_text("# demo\n")
    (repo / "mkdocs.yml").write_text(MINIMAL_MKDOCS_YML.format(site_name="demo"))
    (repo / ".gitignore").write_text("/site/\n/docs/perf/\n/bench\n")
    commit_file(repo, "bench.c", program(parse=200_000, render=300_000), "add the benchmark")
    first = commit_file(repo, "perfpages.yml", SCENARIOS, "scenarios")
    for i in range(3):
        commit_file(repo, "README", f"release {i}\n", f"docs: release notes {i}")

    # Backfill main, one results file per commit.
    done = perfpages(repo, "run", "--commits", f"{first}~1..main", "--machine", "bm-1", "--run-id", "main")
    assert done.returncode == 0, done.stderr

    # The PR: parse twice as slow, render 1.5x as fast.
    git(repo, "checkout", "-q", "-b", "feature")
    pr_head = commit_file(repo, "bench.c", program(parse=400_000, render=200_000), "Rework parsing & <b>rendering</b>")
    git(repo, "checkout", "-q", "main")
    done = perfpages(
        repo, "run", "--against", "main", "--head", "feature", "--pr", "7", "--machine", "bm-1", "--run-id", "pr7"
    )
    assert done.returncode == 0, done.stderr

    built = perfpages(repo, "build", "--json")
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["warnings"] == []

    summary = tmp_path / "summary.md"
    commented = cli(
        repo,
        "comment",
        "--pr",
        "7",
        "--site-url",
        "https://example.github.io/demo/",
        "--json",
        "--fail-on",
        "regression",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    assert commented.returncode == 4, commented.stderr  # a regression, and --fail-on asked for exit 4
    result = json.loads(commented.stdout)
    body = result["body"]
    assert (result["regressions"], result["improvements"]) == (1, 1)
    assert body.startswith("<!-- perfpages-comment -->")
    assert "Overall result: ❌✅ regressions and improvements · needs attention" in body
    rows = [line.split(" | ") for line in body.splitlines() if line.startswith("| work")]
    flagged = {cells[0].removeprefix("| "): cells[3] for cells in rows if cells[3][0] in "❌✅"}
    assert set(flagged) == {"work\\[part=parse\\]", "work\\[part=render\\]"}, rows
    # The whole process is counted, start-up included, so the loop's 2x reads as somewhat less.
    assert flagged["work\\[part=parse\\]"].startswith("❌ [+8")
    assert flagged["work\\[part=render\\]"].startswith("✅ [-3")
    page_url = f"https://example.github.io/demo/perf/pr/7/{pr_head[:12]}/"
    assert page_url in body
    assert f"({page_url}profiles/" in flagged["work\\[part=parse\\]"]  # the change links its profile diff
    assert summary.read_text() == body.rstrip("\n") + "\n\n"  # a blank line before the next step's summary

    # The permalink, its profile diff and its text download.
    page = repo / "docs" / "perf" / "pr" / "7" / f"{pr_head[:12]}.md"
    html = repo / "site" / "perf" / "pr" / "7" / pr_head[:12] / "index.html"
    assert html.is_file()
    profile_pages = sorted((page.parent / pr_head[:12] / "profiles").glob("*.md"))
    parse_page = next(p for p in profile_pages if "parse" in p.name)
    table_rows = [line for line in parse_page.read_text().splitlines() if line.startswith("| ")][1:]  # after the header
    assert table_rows[0].startswith("| work\\_parse | bench.c |"), table_rows[:3]
    assert not any("work\\_render" in line or "work\\_steady" in line for line in table_rows)
    assert "+100.00%" in table_rows[0]
    assert parse_page.with_suffix(".txt").read_text().splitlines()[3].endswith("\twork_parse\tbench.c")
    parse_row = next(line for line in page.read_text().splitlines() if ">work[part=parse]</a>" in line)
    assert f'<a href="profiles/{parse_page.stem}/">' in parse_row  # the change links the profile diff
    frozen = {p: p.read_bytes() for p in [page, html, *profile_pages]}

    # More main runs land; the PR page must not change by a byte.
    old_main = git(repo, "rev-parse", "main")
    for i in range(2):
        commit_file(repo, "README", f"later {i}\n", f"docs: later {i}")
    done = perfpages(repo, "run", "--commits", f"{old_main}..main", "--machine", "bm-1", "--run-id", "later")
    assert done.returncode == 0, done.stderr
    rebuilt = perfpages(repo, "build", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert {p: p.read_bytes() for p in frozen} == frozen
    assert len(list((repo / ".perfpages-cache" / "profiles").glob("*.json"))) == 6  # 3 scenarios x 2 sides

    # A damaged profile costs its diff page, with a warning naming it, not the build.
    for cached in (repo / ".perfpages-cache" / "profiles").glob("*.json"):
        cached.unlink()
    (damaged,) = (repo / "results" / "bm-1").rglob("*.profiles/work_part_parse.head.callgrind.gz")
    damaged.write_bytes(damaged.read_bytes()[:100])
    rebuilt = perfpages(repo, "build", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    (warning,) = json.loads(rebuilt.stdout)["warnings"]
    assert "work[part=parse]" in warning and str(damaged.relative_to(repo)) in warning
    assert not parse_page.exists() and page.read_bytes() != frozen[page]
