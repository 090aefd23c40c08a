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
from sitehistory import (
    HOSTILE_PARAM,
    HOSTILE_SUBJECT,
    PR_NUMBER,
    STEP_AT,
    add_main_runs,
    main_run,
    make_project,
    pr_run,
    sha,
)

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
    assert re.search(
        r'<tr><td><span class="pp-verdict [^"]*">regressed</span></td><td class="pp-wrap"><a [^>]*>parse</a>',
        significant,
    )
    assert re.search(
        r'<tr><td><span class="pp-verdict [^"]*">improved</span></td><td class="pp-wrap"><a [^>]*>serve\[body=10\]</a>',
        significant,
    )
    assert "render" not in significant  # unchanged, listed among the other differences
    assert "**1 regression and 1 improvement** among 3 series" in text


def test_change_point_is_listed_with_its_commit_range(project):
    run_generate(project)
    changes = (project / "docs" / urls.CHANGES).read_text()
    compare = f"{sha(STEP_AT - 1)[:12]}..{sha(STEP_AT)[:12]}"
    assert f'<a href="../compare/{compare}/">{compare}</a>' in changes
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


def test_an_environment_change_says_what_changed(tmp_path):
    project = make_project(tmp_path / "demo", commits=30, with_pr=False)
    for i in range(30, 36):  # a kernel upgrade; the governor is not recorded any more
        run = main_run(i, np.random.default_rng(i))
        write_run(project / "results", replace(run, fingerprint={"cpu_model": "Test CPU", "kernel": "6.2"}))
    run_generate(project)
    page = (project / "docs" / urls.scenario_page(urls.slugify("parse"))).read_text()
    environments = page.split("## Environments")[1]
    assert (
        "| cpu\\_model: Test CPU · kernel: 6.1 · governor: performance · perfpages 0.2.0 | first measured |"
        in environments
    )
    assert "kernel: 6.1 → 6.2; governor: performance → unknown |" in environments
    assert "None" not in environments
    changes = json.loads((project / "docs" / urls.CHANGES_JSON).read_text())
    (jump,) = {d["change"] for s in changes["series"] for d in s["discontinuities"]}
    assert jump == "kernel: 6.1 → 6.2; governor: performance → unknown"


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_atom_feed_names_its_author_itself_and_what_each_change_is(tmp_path):
    import xml.etree.ElementTree as ET

    project = make_project(tmp_path / "demo", commits=STEP_AT, with_pr=False)
    culprit = main_run(STEP_AT, np.random.default_rng(STEP_AT))  # the step, under a hostile subject
    write_run(project / "results", replace(culprit, head=replace(culprit.head, subject=HOSTILE_SUBJECT + " &amp; ]]>")))
    add_main_runs(project, range(STEP_AT + 1, 40))
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text() + "site_url: https://example.github.io/demo/\n")
    run_generate(project)
    feed = ET.fromstring((project / "docs" / urls.ATOM).read_bytes())  # well-formed, or this raises
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "demo benchmarks (perfpages)"
    (self_link,) = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("href") == "https://example.github.io/demo/perf/changes.xml"
    (entry,) = feed.findall(f"{ATOM}entry")
    summary = entry.find(f"{ATOM}summary").text
    compare = f"{sha(STEP_AT - 1)[:12]}..{sha(STEP_AT)[:12]}"
    assert summary.startswith("parse · wall_time on bench-1 regressed by +20.")
    assert f"(998 ms → 1.2 s) in {compare}; first commit at the new level: {HOSTILE_SUBJECT} &amp; ]]>" in summary


def test_an_empty_subject_and_author_leave_no_bare_separators(tmp_path):
    project = make_project(tmp_path / "demo", with_pr=False)
    run = pr_run(np.random.default_rng(99))
    write_run(project / "results", replace(run, head=replace(run.head, subject=" ", author="")))
    run_generate(project)
    files = generated(project)
    page = files[urls.pr_page(PR_NUMBER, sha("pr-head")).removeprefix("perf/")].decode()
    head = next(line for line in page.splitlines() if line.startswith("- **head**"))
    assert head.endswith(r") \(no subject\) · 2026-10-20"), head
    for path, data in files.items():
        if path.endswith((".md", ".xml")):
            text = data.decode()
            assert "· ·" not in text and "·  ·" not in text, path
            assert '<span class="pp-sub"></span>' not in text and '<span class="pp-sub"> </span>' not in text, path


def test_an_unconfirmed_shift_is_listed_in_the_compact_table(tmp_path):
    project = make_project(tmp_path / "demo", with_pr=False)
    for i in range(40, 43):  # the newest three runs of parse 30% slower: pending, not yet a change
        run = main_run(i, np.random.default_rng(i))
        slower = tuple(
            replace(m, samples=tuple(1.3 * x for x in m.samples)) if m.scenario == "parse" else m
            for m in run.measurements
        )
        write_run(project / "results", replace(run, measurements=slower))
    run_generate(project)
    unconfirmed = (project / "docs" / urls.CHANGES).read_text().split("## Unconfirmed")[1]
    assert "<th>change</th><th>series</th><th>first run</th><th>to confirm</th>" in unconfirmed
    row = re.search(
        r"<tr><td>\+(\d+)\.\d\d%</td><td class=\"pp-wrap\">(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", unconfirmed
    )
    assert row and int(row[1]) >= 25, unconfirmed
    assert (
        row[2] == '<a href="../scenarios/parse-89add9ad/">parse</a><br><span class="pp-sub">wall_time · bench-1</span>'
    )
    assert row[3] == f"since <code>{sha(40)[:12]}</code>" and row[4].endswith(("more run", "more runs"))


@pytest.mark.parametrize(
    "mkdocs_yml",
    [
        None,  # no mkdocs.yml: the minimal config the build writes
        "site_name: Mine\ntheme: {name: material}\nmarkdown_extensions: [toc]\n",  # layered over a user's
    ],
)
def test_the_folded_list_is_html_whatever_the_markdown_extensions(project, mkdocs_yml):
    """Without md_in_html, Markdown inside <details> stays text: the folded list must not need it.
    Its rows come from the page's listing (the browser tests fill it)."""
    from perfpages.site.build import mkdocs_build

    yml = project / "mkdocs.yml"
    yml.unlink()
    if mkdocs_yml:
        yml.write_text(mkdocs_yml)
    settings = mkdocs_settings(yml)
    assert settings.config_file != yml  # the minimal or the layered config
    generate(project / "perfpages.yml", project / "results", settings)
    mkdocs_build(settings)
    built = (project / "site" / "perf" / "pr" / str(PR_NUMBER) / sha("pr-head")[:12] / "index.html").read_text()
    folded = built.split('<details class="pp-full-list"')[1].split("</details>")[0]
    assert "<summary>All 3 series with their verdicts (1 not significant), filterable</summary>" in folded
    assert "|" not in folded and "\\_" not in folded and "](" not in folded
    listing = json.loads(
        (project / "site" / urls.comparison_listing(urls.pr_page(PR_NUMBER, sha("pr-head")))).read_text()
    )
    labels = [row[listing["columns"].index("label")] for row in listing["rows"]]
    assert sorted(labels) == sorted(["parse", "serve[body=10]", f"render[template={HOSTILE_PARAM}]"])
