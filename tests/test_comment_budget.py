"""The PR comment's budget: at most GitHub's 65,536 characters, the regressions table, summary,
statistics line and checkout details always kept, long lists capped with a count and a link,
cuts on row boundaries, every <details> closed. Case 14 is rebuilt from its make.py."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import pytest

from perfpages.analysis.comparison import compare
from perfpages.analysis.verdict import Verdict
from perfpages.model import Failure
from perfpages.render.comment import LIMIT, render_comment
from tests.histories import CASES, perfpages_json
from tests.test_comment import context, series

CASE_14 = CASES / "14-pr-comment-size-renames"
PAGE = "https://example.github.io/demo/perf/pr/7/bbbbbbbbbbbb/"


def judged(n_regressed: int, n_improved: int, n_within: int, name: str = "bench/case", **lists):
    """A report with these many series of each verdict, made by copying three judged series
    (judging thousands would take a minute), plus the given missing and new labels."""
    report = compare("a" * 40, "b" * 40, [series("r", "wall_time", 0.5), series("i", "wall_time", -0.5, seed=1)])
    within = compare("a" * 40, "b" * 40, [series("w", "wall_time", 0.0, seed=2)]).series[0]
    regressed, improved = report.series
    assert (regressed.verdict, improved.verdict, within.verdict) == (
        Verdict.REGRESSED,
        Verdict.IMPROVED,
        within.verdict,
    )
    verdicts = [
        replace(v, series=replace(v.series, scenario=f"{name}-{kind}-{i:05d}"))
        for v, kind, n in (
            (regressed, "regressed", n_regressed),
            (improved, "improved", n_improved),
            (within, "w", n_within),
        )
        for i in range(n)
    ]
    return replace(report, series=tuple(verdicts), **lists)


def table_rows(body: str, marker: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith(f"| {marker}")]


def assert_well_formed(body: str) -> None:
    assert len(body) <= LIMIT
    assert body.count("<details>") == body.count("</details>")
    assert "Expected false alarms:" in body and "<summary>Checkout details</summary>" in body
    assert body.rstrip().endswith("</details>")
    for line in body.splitlines():
        if line.startswith("| "):
            assert line.endswith(" |") and line.count(" | ") == 5, line  # a whole row of six cells


def test_every_regression_row_is_kept_while_lists_and_improvements_give_way():
    missing = tuple(f"old/decode[case={'x' * 80}-{i}] wall_time" for i in range(3000))
    report = judged(200, 600, 2000, name="bench/" + "n" * 60, missing=missing, new=missing)
    comment = render_comment(report, context(page_url=PAGE))
    body = comment.body
    assert_well_formed(body)
    assert comment.truncated and comment.regressions == 200 and comment.improvements == 600
    assert len(table_rows(body, "bench/")) < 800  # improvements were cut ...
    assert len([r for r in table_rows(body, "bench/") if "regressed" in r]) == 200  # ... regressions never
    assert "more significant differences on the full page" in body
    assert body.count(f"more on the [full page]({PAGE})") == 2  # missing and new, each capped with a count
    assert re.search(r"\*\*Missing at head:\*\* .* … and 2,99\d more on the", body)
    assert "Other differences" not in body  # the folded tables went first


def test_thousands_of_regressions_are_cut_between_rows_and_counted():
    comment = render_comment(judged(5000, 0, 0, name="r" * 200), context(page_url=PAGE))
    body = comment.body
    assert_well_formed(body)
    shown = len(table_rows(body, "r"))
    assert 0 < shown < 5000 and f"…and {5000 - shown} more significant differences on the full page." in body


def test_many_failures_are_capped_with_a_count():
    failures = tuple(Failure(f"s{i}", "b" * 40, "measure", "exit 2: " + "e" * 500) for i in range(4000))
    body = render_comment(judged(3, 0, 0), context(failures=failures, page_url=PAGE)).body
    assert_well_formed(body)
    assert "**Failed scenarios:**" in body and re.search(
        rf"\n- … and 3,9\d\d more on the \[full page\]\({PAGE}\)\.", body
    )


def test_enormous_single_texts_still_fit_and_stay_balanced():
    report = judged(2, 0, 3, name="x" * 200_000, missing=("m" * 100_000,))
    body = render_comment(report, context(head=context().head.__class__("b" * 40, "s" * 100_000))).body
    assert_well_formed(body)
    assert len(table_rows(body, "x")) == 5  # each label shortened, every row kept


@pytest.mark.skipif(not CASE_14.is_dir(), reason="../shared/cases is not here (the issue's real cases)")
def test_case_14_a_module_rename_keeps_the_regression_table(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run([sys.executable, str(CASE_14 / "make.py"), str(repo)], check=True, capture_output=True)
    done = perfpages_json(repo, "comment", "--pr", "7", "--site-url", "https://example.github.io/big/")
    body = done["body"]
    assert_well_formed(body)
    assert (done["regressions"], done["truncated"]) == (40, True)
    assert len(table_rows(body, "common/encode")) == 40
    for title in ("Missing at head", "New at head"):
        (line,) = [line for line in body.splitlines() if line.startswith(f"**{title}:**")]
        assert line.endswith("more on the [full page](https://example.github.io/big/perf/pr/7/df67d2732705/).")
        names = line.split(":** ", 1)[1].rsplit(" … and ", 1)[0].split(", parser")
        assert all(n.endswith("\\] wall\\_time") for n in names)  # whole names only, never cut inside one
        assert f"… and {1800 - len(names):,} more" in line
