"""The build cache: a warm build parses and judges nothing it has seen, gives the same bytes as a
cold one, and a kept comparison is reused only while everything it was computed from is unchanged."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sitehistory import COMMITS, PR_NUMBER, main_run, make_project, pr_run, sha
from test_site import generated, run_generate

from perfpages.analysis.series import build_series
from perfpages.config import load_config
from perfpages.results.cache import RunCache
from perfpages.results.check import load_valid_files
from perfpages.results.order import main_order
from perfpages.results.store import load_all, write_run
from perfpages.site import urls
from perfpages.site.build import CACHE_DIR, generate, mkdocs_settings
from perfpages.site.cache import ComparisonCache, comparison_keys
from perfpages.site.charts import trend_text
from perfpages.site.gather import gather
from perfpages.site.kept import code_version, read_kept


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "demo")


def _refuse(*args, **kwargs):
    raise AssertionError("a warm build must not do this again")


def test_a_warm_build_parses_and_judges_nothing_and_writes_the_same_bytes(project, monkeypatch):
    run_generate(project)
    cold = generated(project)
    shutil.rmtree(project / "docs" / "perf")  # every file must be made again, from the cache
    monkeypatch.setattr("perfpages.results.store.parse_and_validate", _refuse)
    monkeypatch.setattr("perfpages.site.judging.compare", _refuse)
    monkeypatch.setattr("perfpages.site.pages.comparison_page", _refuse)  # a PR page's text is kept too
    report = run_generate(project)
    assert report.stats.written == report.files
    assert generated(project) == cold


def test_a_warm_build_does_not_read_results_files_unchanged_since_the_last_one(project, monkeypatch):
    run_generate(project)
    cold = generated(project)

    class NoHashing:
        def sha1(self, data):
            raise AssertionError("an unchanged results file was read and hashed again")

    monkeypatch.setattr("perfpages.results.store.hashlib", NoHashing())
    run_generate(project)
    assert generated(project) == cold


def test_a_results_file_replaced_in_place_is_read_again(project):
    """Same name, size and modification time, other bytes: the inode and change time differ."""
    run_generate(project)
    path = next((project / "results").rglob("*-main-39.json"))
    before = path.stat()
    text = path.read_text()
    assert text.count('"6.1"') == 1  # the kernel: 6.2 makes an environment change at the newest commit
    path.unlink()
    path.write_text(text.replace('"6.1"', '"6.2"'))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    run_generate(project)
    assert "6.2" in (project / "docs" / urls.scenario_data("parse-89add9ad")).read_text()


def test_new_runs_go_to_a_journal_until_it_grows_and_a_removed_run_rewrites_the_cache(project):
    run_generate(project)
    cache = project / CACHE_DIR
    base = (cache / "runs.pickle").read_bytes()
    write_run(project / "results", main_run(COMMITS, np.random.default_rng(1)))
    run_generate(project)
    assert (cache / "runs.pickle").read_bytes() == base  # 41 runs kept: one new run is journalled
    assert len(pickle.loads((cache / "runs.journal.pickle").read_bytes())["kept"]) == 1
    for i in range(COMMITS + 1, COMMITS + 6):  # a journal of more than an eighth of the runs is folded in
        write_run(project / "results", main_run(i, np.random.default_rng(i)))
    run_generate(project)
    assert len(pickle.loads((cache / "runs.pickle").read_bytes())["kept"]) == 47
    assert pickle.loads((cache / "runs.journal.pickle").read_bytes())["kept"] == {}
    write_run(project / "results", main_run(COMMITS + 6, np.random.default_rng(0)))
    run_generate(project)
    next((project / "results").rglob("*-main-0.json")).unlink()
    report = run_generate(project)
    assert report.runs == 47
    assert len(pickle.loads((cache / "runs.pickle").read_bytes())["kept"]) == 47
    assert pickle.loads((cache / "runs.journal.pickle").read_bytes())["kept"] == {}


def test_a_kept_pr_page_is_rendered_again_when_what_it_links_to_changes(project):
    """The page text is kept with what it was rendered from: the repository its commits link to
    and the scenario pages it links to are part of that, so changing either renders it again."""
    run_generate(project)
    page = project / "docs" / urls.pr_page(PR_NUMBER, sha("pr-head"))
    assert "https://github.com/example/demo/commit/" in page.read_text()
    config = project / "perfpages.yml"
    config.write_text(config.read_text().replace("example/demo", "example/renamed"))
    run_generate(project)
    assert "https://github.com/example/demo/commit/" not in page.read_text()
    assert "https://github.com/example/renamed/commit/" in page.read_text()


def test_a_kept_pr_page_links_a_scenario_page_that_appears_later(tmp_path):
    """Which scenarios have a page is part of what a kept page was rendered from."""
    project = make_project(tmp_path / "demo", with_pr=False)
    rng = np.random.default_rng(5)
    pr = pr_run(rng)
    fresh = tuple(replace(m, scenario="fresh") for m in pr.measurements if m.scenario == "parse")
    write_run(project / "results", replace(pr, measurements=(*pr.measurements, *fresh)))
    run_generate(project)
    page = project / "docs" / urls.pr_page(PR_NUMBER, sha("pr-head"))
    assert '<td class="pp-wrap">fresh<br>' in page.read_text()  # measured by the PR only: no trend page to link to yet
    later = main_run(COMMITS, rng)
    fresh = tuple(replace(m, scenario="fresh") for m in later.measurements if m.scenario == "parse")
    write_run(project / "results", replace(later, measurements=(*later.measurements, *fresh)))
    run_generate(project)
    assert '<td class="pp-wrap"><a href="../../../scenarios/fresh-' in page.read_text()


def test_a_build_after_new_runs_gives_the_bytes_of_a_cold_build(project):
    """What is kept (runs, comparisons, PR pages, trend columns) and appended to after new runs on
    main, and a re-run of an old commit, gives the same site as building everything afresh."""
    run_generate(project)
    for i in range(COMMITS, COMMITS + 3):
        write_run(project / "results", main_run(i, np.random.default_rng(i)))
        run_generate(project)
    rerun = replace(main_run(30, np.random.default_rng(1000)), run_id="again-30")  # changes an old point
    write_run(project / "results", rerun)
    run_generate(project)
    warm = generated(project)
    shutil.rmtree(project / CACHE_DIR)
    shutil.rmtree(project / "docs" / "perf")
    run_generate(project)
    assert generated(project) == warm


def test_new_runs_on_main_extend_the_last_builds_series_and_an_old_commits_rerun_does_not(project, monkeypatch):
    run_generate(project)
    built = []
    real = build_series
    monkeypatch.setattr(
        "perfpages.site.kept.build_series", lambda runs, order: built.append(len(runs)) or real(runs, order)
    )
    write_run(project / "results", main_run(COMMITS, np.random.default_rng(1)))
    run_generate(project)
    assert built == [1]  # only the new run's series, appended to the kept ones
    write_run(project / "results", replace(main_run(30, np.random.default_rng(2)), run_id="again-30"))
    run_generate(project)
    assert built == [1, COMMITS + 2]  # a point in the middle changed: every series is built again


def _series(values: np.ndarray, commits: list[str]):
    class Columns:  # what trend_text reads of a Series
        def __len__(self):
            return len(commits)

    columns = Columns()
    columns.commits, columns.medians, columns.low, columns.high = commits, values, values * 0.99, values * 1.01
    return columns


def test_trend_text_appends_to_kept_columns_only_while_their_points_are_unchanged():
    rng = np.random.default_rng(3)
    values = rng.lognormal(0, 2, 50)
    commits = [sha(i) for i in range(50)]
    position = {c: i for i, c in enumerate(commits)}
    kept = trend_text(_series(values[:40], commits[:40]), position, None)
    appended = trend_text(_series(values, commits), position, kept)
    assert appended == trend_text(_series(values, commits), position, None)
    assert json.loads(appended.columns[1]) == [float(f"{v:.6g}") for v in values]
    changed = values.copy()
    changed[3] *= 2  # a re-run moved an old point: nothing kept is used
    assert trend_text(_series(changed, commits), position, kept) == trend_text(
        _series(changed, commits), position, None
    )
    moved = {c: i + 1 for i, c in enumerate(commits)}  # a commit measured earlier in the order shifts x
    assert trend_text(_series(values, commits), moved, kept) == trend_text(_series(values, commits), moved, None)


def test_a_damaged_cache_is_rebuilt_not_trusted(project):
    run_generate(project)
    cold = generated(project)
    cache = project / CACHE_DIR
    (cache / "runs.pickle").write_bytes(b"not a pickle")
    for name in ("comparisons", "pages", "series", "trends", "written", "runs.stamps"):
        (cache / f"{name}.pickle").write_bytes(b"\x80\x05truncated")
    shutil.rmtree(project / "docs" / "perf")
    run_generate(project)
    assert generated(project) == cold
    assert (cache / "runs.pickle").read_bytes() != b"not a pickle"


def _keys(project: Path) -> dict[tuple[str, str], str]:
    loaded = load_valid_files(project / "results")
    runs = [r.record for r in loaded]
    order = main_order(project / "perfpages.yml", "main", runs).shas
    digests = {(r.record.machine, r.record.run_id): r.digest for r in loaded}
    return comparison_keys(runs, digests, order, {"wall_time": 0.01})


def test_a_comparison_is_kept_while_main_moves_on_and_redone_when_its_history_changes(project):
    pr = next(ref for ref in _keys(project) if ref[1] == "pr-7-1")
    first = _keys(project)[pr]
    for i in range(COMMITS, COMMITS + 5):  # later commits on main: the PR's inputs are the same
        write_run(project / "results", main_run(i, np.random.default_rng(i)))
    assert _keys(project)[pr] == first
    rerun = replace(main_run(10, np.random.default_rng(1000)), run_id="again-10")  # a second run before the base
    write_run(project / "results", rerun)
    assert _keys(project)[pr] != first


def test_comparisons_and_pages_no_build_needs_any_more_are_forgotten(project):
    """A comparison (and its page) is kept while its inputs are; after a re-run before the PR's
    base, the build keeps only the new one."""
    run_generate(project)
    kept = project / CACHE_DIR
    comparisons = read_kept(kept / "comparisons.pickle", "comparisons-1")
    pages = read_kept(kept / "pages.pickle", code_version())
    assert len(comparisons) == 1
    write_run(project / "results", replace(main_run(10, np.random.default_rng(1000)), run_id="again-10"))
    run_generate(project)
    assert len(read_kept(kept / "comparisons.pickle", "comparisons-1")) == 1
    assert read_kept(kept / "comparisons.pickle", "comparisons-1").keys() != comparisons.keys()
    assert len(read_kept(kept / "pages.pickle", code_version())) == len(pages)
    assert read_kept(kept / "pages.pickle", code_version()).keys() != pages.keys()


def test_a_cache_file_from_another_format_is_ignored(tmp_path):
    path = tmp_path / "runs.pickle"
    cache = RunCache(path)
    cache.put("d1", "a record")  # type: ignore[arg-type]
    cache.save()
    assert RunCache(path).get("d1") == "a record"
    path.write_bytes(path.read_bytes().replace(cache.format.encode(), b"0" * len(cache.format)))
    assert RunCache(path).get("d1") is None


EXTRA = 35  # unchanged series added to a PR


def test_a_page_keeps_only_its_changes_and_lists_every_series(tmp_path):
    """The report a page keeps holds its changes only; its listing holds every series."""
    project = make_project(tmp_path / "wide", with_pr=False)
    wide = pr_run(np.random.default_rng(5))
    base = next(m for m in wide.measurements if m.scenario == "parse" and m.commit == wide.base.sha)
    extra = tuple(  # the same samples on both sides: unchanged series
        replace(base, scenario=f"extra{i:02d}", commit=at)
        for i in range(EXTRA)
        for at in (wide.base.sha, wide.head.sha)
    )
    write_run(project / "results", replace(wide, measurements=(*wide.measurements, *extra)))
    config = load_config(str(project / "perfpages.yml"))
    runs = [r.record for r in load_valid_files(project / "results")]
    site = gather(config, runs, main_order(project / "perfpages.yml", "main", runs).shas)
    comparison = site.pulls[0].latest
    total = 3 + EXTRA
    assert comparison.summary.series == total
    assert comparison.report.series == comparison.report.changed
    assert len(json.loads(comparison.listed)) == total
    assert all(not v.series.history for v in comparison.report.series if v.noise is not None)
    run_generate(project)
    page = (project / "docs" / urls.pr_page(PR_NUMBER, sha("pr-head"))).read_text()
    unchanged = total - len(comparison.report.changed)
    assert f"All {total} series with their verdicts ({unchanged} not significant)" in page
    assert f"among {total} series" in page


def test_comparison_cache_without_a_folder_keeps_nothing(project):
    memo = ComparisonCache(None, _keys(project))
    config = load_config(str(project / "perfpages.yml"))
    runs = [r.record for r in load_valid_files(project / "results")]
    site = gather(config, runs, main_order(project / "perfpages.yml", "main", runs).shas, memo)
    assert site.pulls and memo.get(runs[-1]) is None


def _many_prs(root: Path, count: int) -> Path:
    """A history long enough that build --jobs 2 really forks: 70 runs on main and ``count`` PRs."""
    make_project(root, commits=70, with_pr=False)
    for n in range(count):
        run = pr_run(np.random.default_rng(n), base_index=30 + n % 40)
        head = replace(run.head, sha=sha(f"pr-head-{n}"))
        tagged = tuple(replace(m, commit=head.sha) if m.commit == run.head.sha else m for m in run.measurements)
        write_run(root / "results", replace(run, run_id=f"pr-{n}", head=head, measurements=tagged, pull_request=n + 1))
    return root


def test_worker_processes_give_the_same_site_as_one_process(tmp_path, monkeypatch):
    import perfpages.forked
    import perfpages.site.gather

    pools = []

    class Counted(perfpages.forked.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    one, two = _many_prs(tmp_path / "one", 40), _many_prs(tmp_path / "two", 40)
    settings = mkdocs_settings(one / "mkdocs.yml")
    generate(one / "perfpages.yml", one / "results", settings, jobs=1)
    # Change points and chart data go to workers only for long histories: make this one count as long.
    monkeypatch.setattr(perfpages.site.gather, "MIN_POINTS_FORKED", 1)
    monkeypatch.setattr(perfpages.forked, "ProcessPoolExecutor", Counted)
    settings = mkdocs_settings(two / "mkdocs.yml")
    report = generate(two / "perfpages.yml", two / "results", settings, jobs=2)
    assert report.runs == 110
    assert len(pools) == 4  # parsing, judging, change points, chart data
    assert generated(one) == generated(two)


def test_runs_parsed_in_other_processes_share_one_object_per_kind(tmp_path):
    root = _many_prs(tmp_path / "p", 0)
    serial, _ = load_all(root / "results", workers=1)
    forked, _ = load_all(root / "results", RunCache(None), workers=2)
    assert [r.record for r in forked] == [r.record for r in serial]
    kinds = {id(k) for r in forked for k in r.record.measurements.kinds}
    assert len(kinds) == len({k for r in forked for k in r.record.measurements.kinds}) == 3


def test_the_results_layer_never_names_the_site_layer():
    """The parsed-runs cache belongs to the results layer: dependencies go site -> results only."""
    import ast

    import perfpages.results

    named = []
    for path in sorted(Path(perfpages.results.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            modules += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            named += [f"{path.name}: {m}" for m in modules if m.startswith(("perfpages.site", "perfpages.cli"))]
    assert named == []
