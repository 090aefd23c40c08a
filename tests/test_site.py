"""The generated site: determinism, permalinks, escaping, the writer, and golden pages."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sitehistory import HOSTILE_PARAM, PR_NUMBER, STEP_AT, add_main_runs, make_project, pr_run, sha

from perfpages.cli import cli
from perfpages.errors import PerfpagesError
from perfpages.results.store import write_run
from perfpages.site import urls, writer
from perfpages.site.build import generate, mkdocs_settings
from perfpages.site.scenario import plotly_early
from perfpages.site.writer import MARKER_TEXT, write_tree

GOLDEN = Path(__file__).parent / "golden" / "site"


def generated(root: Path) -> dict[str, bytes]:
    perf = root / "docs" / "perf"
    return {p.relative_to(perf).as_posix(): p.read_bytes() for p in sorted(perf.rglob("*")) if p.is_file()}


def run_generate(root: Path):
    settings = mkdocs_settings(root / "mkdocs.yml")
    return generate(root / "perfpages.yml", root / "results", settings)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "demo")


def test_same_results_give_the_same_bytes_and_a_rebuild_writes_nothing(project, tmp_path):
    first = run_generate(project)
    assert first.stats.written == first.files
    again = run_generate(project)
    assert (again.stats.written, again.stats.deleted) == (0, 0)
    twin = make_project(tmp_path / "twin")
    run_generate(twin)
    assert generated(twin) == generated(project)


def test_pr_permalink_does_not_change_when_later_runs_land(project):
    run_generate(project)
    page = urls.pr_page(PR_NUMBER, sha("pr-head")).removeprefix("perf/")
    data = urls.comparison_data(urls.pr_page(PR_NUMBER, sha("pr-head"))).removeprefix("perf/")
    before = generated(project)
    add_main_runs(project, range(40, 52))  # main moves on, with a new history after the PR's base
    run_generate(project)
    after = generated(project)
    assert after[page] == before[page]
    assert after[data] == before[data]
    assert after["index.md"] != before["index.md"]  # the overview did change


def test_pr_page_reports_the_regression_and_the_improvement(project):
    run_generate(project)
    text = (project / "docs" / urls.pr_page(PR_NUMBER, sha("pr-head"))).read_text()
    significant = text.split("## Significant changes")[1].split("<details")[0]
    assert "❌ regressed" in significant and "[parse]" in significant
    assert "✅ improved" in significant and "[serve\\[body=10\\]]" in significant
    assert "render" not in significant  # unchanged, listed among the other differences
    assert "**1 regression and 1 improvement** among 3 series" in text


def test_change_point_is_listed_with_its_commit_range(project):
    run_generate(project)
    changes = (project / "docs" / urls.CHANGES).read_text()
    compare = f"{sha(STEP_AT - 1)[:12]}..{sha(STEP_AT)[:12]}"
    assert f"[{compare}](compare/{compare}.md)" in changes
    assert (project / "docs" / "perf" / "compare" / f"{compare}.md").is_file()
    feed = (project / "docs" / urls.ATOM).read_text()
    assert feed.count("<entry>") == 1 and "regressed +20." in feed


def test_hostile_strings_never_reach_a_page_as_markup(project):
    run_generate(project)
    for path, data in generated(project).items():
        if not path.endswith((".md", ".xml")):
            continue
        # The one script a page carries is the scenario page's plotly loader, which holds no result text.
        text = data.decode().replace(plotly_early(urls.Links(f"{urls.ROOT}/{path}")), "")
        assert "<script" not in text, path
        assert "<img" not in text, path
        assert "{{" not in text, path
        assert "](javascript:" not in text, path
    series = json.loads((project / "docs" / urls.SERIES_JSON).read_text())
    assert HOSTILE_PARAM in {s["params"].get("template") for s in series["series"]}  # data keeps the raw text


def test_writer_prunes_stale_files_and_never_touches_a_folder_it_does_not_own(tmp_path):
    root = tmp_path / "perf"
    write_tree(root, {"a.md": b"a", "sub/b.md": b"b"})
    stats = write_tree(root, {"a.md": b"a2"})
    assert (stats.written, stats.unchanged, stats.deleted) == (1, 0, 1)
    assert not (root / "sub").exists()
    assert (root / urls.MARKER).read_bytes() == MARKER_TEXT
    foreign = tmp_path / "docs-by-hand"
    foreign.mkdir()
    (foreign / "guide.md").write_text("precious")
    with pytest.raises(PerfpagesError, match="not made by perfpages"):
        write_tree(foreign, {"a.md": b"a"})
    assert (foreign / "guide.md").read_text() == "precious"


def test_writer_trusts_its_manifest_only_while_a_file_is_as_it_left_it(tmp_path, monkeypatch):
    root, manifest = tmp_path / "perf", {}
    files = {"a.md": b"a", "b.md": b"b"}
    write_tree(root, files, manifest)
    (root / "a.md").write_bytes(b"edited by hand")
    compared = []
    same = writer._same
    monkeypatch.setattr(writer, "_same", lambda path, data: compared.append(path.name) or same(path, data))
    stats = write_tree(root, files, manifest)
    assert (stats.written, stats.unchanged) == (1, 1)
    assert (root / "a.md").read_bytes() == b"a"
    # The marker is always compared; b.md is as the last build left it, so it is not read again.
    assert compared == [urls.MARKER, "a.md"]
    manifest.clear()  # lost (the build keeps none when its file is damaged): every file is compared
    stats = write_tree(root, {"a.md": b"a", "b.md": b"b2"}, manifest)
    assert (stats.written, stats.unchanged) == (1, 1)
    assert compared == [urls.MARKER, "a.md", urls.MARKER, "a.md", "b.md"]
    assert (root / "b.md").read_bytes() == b"b2"


def test_unchanged_files_keep_their_modification_time(project):
    run_generate(project)
    overview = project / "docs" / urls.OVERVIEW
    os.utime(overview, ns=(1, 1))
    run_generate(project)
    assert overview.stat().st_mtime_ns == 1


def test_links_are_relative_for_both_url_styles():
    assert urls.Links("perf/index.md").to("perf/scenarios/x.md") == "scenarios/x/"
    assert urls.Links("perf/scenarios/x.md").to("perf/api/a.json") == "../../api/a.json"
    assert urls.Links("perf/scenarios/x.md").to("perf/index.md") == "../../"
    assert urls.Links("perf/scenarios/x.md", directory_urls=False).to("perf/index.md") == "../index.html"
    assert urls.Links("perf/pr/7/abc.md").md("perf/scenarios/x.md") == "../../scenarios/x.md"


def test_slugs_are_safe_and_distinct():
    a, b = urls.slugify("a[x=1]"), urls.slugify("a[x-1]")
    assert a != b and re.fullmatch(r"[a-z0-9-]+", a)
    assert re.fullmatch(r"[0-9a-f]{8}", urls.slugify("<>"))


def test_build_layers_the_script_and_style_over_an_mkdocs_yml_without_them(project):
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("extra_javascript: [perf/assets/perfpages.js]\n", ""))
    before = yml.read_text()
    settings = mkdocs_settings(yml)
    assert settings.config_file == project / ".perfpages-cache" / "mkdocs.yml"
    assert "perf/assets/perfpages.js" in settings.config_file.read_text() and yml.read_text() == before


def test_build_command_makes_the_site_and_reports_json(project, monkeypatch):
    monkeypatch.chdir(project)
    done = CliRunner().invoke(cli, ["build", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["series"] == 3 and report["order"] == "results"
    assert (project / "site" / "perf" / "pr" / str(PR_NUMBER) / sha("pr-head")[:12] / "index.html").is_file()
    assert (project / "site" / "perf" / "assets" / "plotly.min.js").stat().st_size > 1_000_000


def test_a_second_pr_head_keeps_the_first_head_page(project):
    run_generate(project)
    first = urls.pr_page(PR_NUMBER, sha("pr-head")).removeprefix("perf/")
    before = generated(project)[first]
    first_run = pr_run(np.random.default_rng(5))
    head = replace(first_run.head, sha=sha("pr-head-2"))
    moved = tuple(replace(m, commit=head.sha) if m.commit == sha("pr-head") else m for m in first_run.measurements)
    second = replace(first_run, head=head, run_id="pr-7-2", finished_at="2026-10-21T00:00:00Z", measurements=moved)
    write_run(project / "results", second)
    run_generate(project)
    after = generated(project)
    assert after[first] == before
    index = after[f"pr/{PR_NUMBER}/index.md"].decode()
    assert f"Latest head [`{sha('pr-head-2')[:12]}`]" in index and sha("pr-head")[:12] in index


GOLDEN_FILES = ("index.md", "changes.md", "pr/index.md", f"pr/{PR_NUMBER}/index.md")


def test_golden_pages(project):
    """Reviewed outputs for the fixed history; PERFPAGES_UPDATE_GOLDEN=1 rewrites them."""
    run_generate(project)
    files = generated(project)
    chosen = {
        **{name: files[name] for name in GOLDEN_FILES},
        "pr-permalink.md": files[urls.pr_page(PR_NUMBER, sha("pr-head")).removeprefix("perf/")],
        "scenario-parse.md": files[urls.scenario_page(urls.slugify("parse")).removeprefix("perf/")],
        "scenario-parse.json": files[urls.scenario_data(urls.slugify("parse")).removeprefix("perf/")],
    }
    if os.environ.get("PERFPAGES_UPDATE_GOLDEN"):
        for name, data in chosen.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
    for name, data in chosen.items():
        assert data == (GOLDEN / name).read_bytes(), f"{name} differs from tests/golden/site/{name}"


@pytest.mark.parametrize(
    ("directory_urls", "point", "scenarios", "suffix"),
    [
        (True, "../../compare/series/", "../../scenarios/", "/"),
        (False, "../compare/series.html", "../scenarios/", ".html"),
    ],
)
def test_chart_clicks_lead_to_the_series_point_page_for_both_url_styles(
    project, directory_urls, point, scenarios, suffix
):
    from perfpages.config import load_config
    from perfpages.results.check import load_valid_runs
    from perfpages.results.order import main_order
    from perfpages.site.gather import gather
    from perfpages.site.point import series_point_page
    from perfpages.site.scenario import scenario_page

    config = load_config(str(project / "perfpages.yml"))
    runs = load_valid_runs(project / "results")
    site = gather(config, runs, main_order(project / "perfpages.yml", "main", runs).shas)
    group = site.scenarios[0]
    text = scenario_page(site, group, urls.Links(urls.scenario_page(group.slug), directory_urls))
    assert f'data-point="{point}" data-slug="{group.slug}"' in text
    page = series_point_page(urls.Links(urls.SERIES_POINT, directory_urls))
    assert f'data-scenarios="{scenarios}"' in page and f'data-suffix="{suffix}"' in page


def test_relative_links_agree_with_relpath():
    import itertools
    import posixpath

    paths = ["", "perf", "index.md", "perf/index.md", "perf/pr", "perf/pr/7/abc.md", "perf/api/samples/pr/7/a.json"]
    for target, start in itertools.product(paths, repeat=2):
        assert urls.relative(target, start) == posixpath.relpath(target or ".", start or "."), (target, start)
