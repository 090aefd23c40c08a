"""The PR comment: layout, direction-aware marks, escaping and the length limit."""

from __future__ import annotations

import numpy as np
import pytest

from perfpages.analysis.comparison import SeriesInput, compare
from perfpages.model import Direction, Failure
from perfpages.render.comment import LIMIT, MARKER, CommentContext, render_comment
from tests.conftest import make_commit

HOSTILE = "<img src=x onerror=alert(1)> [link](javascript:x) | {{secret}}"


def series(name: str, metric: str, change: float, direction=Direction.LOWER, seed: int = 0) -> SeriesInput:
    """40 runs of history at 1% noise, then 5 base and 5 head samples with the head moved by ``change``."""
    rng = np.random.default_rng(seed)
    history = tuple(100.0 * (1 + 0.01 * rng.standard_normal(40)))
    base = tuple(100.0 * (1 + 0.01 * rng.standard_normal(5)))
    head = tuple(100.0 * (1 + change) * (1 + 0.01 * rng.standard_normal(5)))
    unit = {"instructions": "instructions", "wall_time": "s"}.get(metric, "1/s")
    return SeriesInput(name, (), metric, "bm-1", unit, direction, history, base, head)


def context(**over) -> CommentContext:
    values = dict(
        base=make_commit("a" * 40),
        head=make_commit("b" * 40, subject=HOSTILE),
        pull_request=7,
        branch=HOSTILE,
        machines=("bm-1",),
        ci_url="https://ci.example/run/1",
        page_url="https://example.github.io/demo/perf/pr/7/bbbbbbbbbbbb/",
    )
    values.update(over)
    return CommentContext(**values)


def test_sections_marks_and_directions():
    inputs = [
        series("parse", "instructions", 0.30, seed=1),  # lower is better: up is a regression
        series("steady", "instructions", 0.0, seed=2),
        series("serve", "requests_per_s", -0.30, Direction.HIGHER, seed=3),  # a throughput drop regresses
        series("boot", "wall_time", -0.30, seed=4),
    ]
    report = compare("a" * 40, "b" * 40, inputs)
    comment = render_comment(report, context())
    body = comment.body
    assert body.startswith(MARKER + "\n") and not comment.truncated
    assert (comment.regressions, comment.improvements) == (2, 1)
    assert "### Overall result: ❌✅ regressions and improvements · needs attention" in body
    sections = [line for line in body.splitlines() if line.startswith("### ") and "Overall" not in line]
    assert sections == [
        "### Instructions (lower is better)",
        "### Wall time (lower is better)",
        "### requests\\_per\\_s (higher is better)",
    ]
    cells = [line.split(" | ") for line in body.splitlines() if line.startswith("| ") and "---" not in line]
    change = {row[0][2:]: row[3] for row in cells}
    assert change["parse"].startswith("❌ +") and change["boot"].startswith("✅ -")
    assert change["serve"].startswith("❌ -")  # down, and for a throughput that is worse
    assert change["steady"][0] in "+-"
    assert "<details><summary>Other differences (1 series, within noise)</summary>" in body
    assert "Expected false alarms: 0.05" in body and "Smallest detectable change" in body
    assert "https://example.github.io/demo/perf/pr/7/bbbbbbbbbbbb/" in body
    assert "- Run: [CI run](https://ci.example/run/1)" in body


def test_untrusted_text_cannot_become_markup():
    report = compare("a" * 40, "b" * 40, [series(HOSTILE, "instructions", 0.3, seed=5)])
    failure = Failure(HOSTILE, "b" * 40, "measure", HOSTILE)
    body = render_comment(report, context(failures=(failure,), ci_url="javascript:alert(1)")).body
    assert "<img" not in body and "](javascript" not in body and "{{" not in body
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in body
    assert "scenarios failed · needs attention" in body and "**Failed scenarios:**" in body
    assert "Run:" not in body  # only https links are shown


def test_no_changes_reads_as_such():
    report = compare("a" * 40, "b" * 40, [series(f"s{i}", "instructions", 0.0, seed=i) for i in range(5)])
    body = render_comment(report, context()).body
    assert "### Overall result: no relevant changes\n" in body and "_No significant differences._" in body


def test_a_run_that_compared_nothing_does_not_read_as_no_changes():
    body = render_comment(compare("a" * 40, "b" * 40, []), context()).body
    assert "### Overall result: nothing compared" in body and "needs attention" in body
    assert "no relevant changes" not in body


@pytest.mark.parametrize("count", [3000])
def test_long_comments_are_shortened_below_the_limit_and_say_so(count):
    inputs = [
        series(f"scenario-with-a-long-name-{i:05d}", "instructions", 0.5 if i % 2 else 0.0, seed=i)
        for i in range(count)
    ]
    report = compare("a" * 40, "b" * 40, inputs)
    comment = render_comment(report, context())
    assert comment.truncated and len(comment.body) <= LIMIT
    assert "shortened to fit GitHub's 65,536-character limit" in comment.body
    assert "more significant differences on the full page" in comment.body
    assert comment.regressions == count // 2  # the counts are of everything, not of what is shown
    assert comment.body.rstrip().endswith("</details>")  # the checkout details survive


def test_comment_in_actions_appends_its_verdict_table_to_the_job_summary(git_repo, tmp_path):
    import os
    import subprocess

    from perfpages.model import Measurement
    from perfpages.results.store import write_run
    from tests.conftest import PYTHON, commit_file, git, make_record

    base = git(git_repo, "rev-parse", "HEAD")
    head = commit_file(git_repo, "parse.py", "slower = True\n", "Parse more slowly")
    samples = {base: (1.0, 1.01, 0.99, 1.0, 1.02), head: (1.5, 1.52, 1.49, 1.51, 1.5)}
    record = make_record(
        run_id="pr7",
        head=make_commit(head),
        base=make_commit(base),
        pull_request=7,
        measurements=tuple(Measurement("parse", "wall_time", "s", Direction.LOWER, c, s) for c, s in samples.items()),
    )
    write_run(git_repo / "results", record)
    summary = tmp_path / "summary.md"
    summary.write_text("## An earlier step's summary\n")  # the job summary is shared by every step: appended to
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary)}
    done = subprocess.run(
        [PYTHON, "-m", "perfpages", "comment", "--pr", "7", "--out", str(tmp_path / "comment.md")],
        cwd=git_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    body = (tmp_path / "comment.md").read_text()
    written = summary.read_text()
    assert written.startswith("## An earlier step's summary\n") and body.rstrip("\n") in written
    (row,) = [line for line in written.splitlines() if line.startswith("| parse")]
    assert "❌" in row  # the verdict table, with the regression in it
