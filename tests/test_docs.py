"""The docs cannot drift from the code: examples validate, every command and metric is documented."""

import re
from pathlib import Path

from perfpages.cli import cli
from perfpages.model import BUILTIN_METRICS
from perfpages.results.schema import parse_and_validate

DOCS = Path(__file__).resolve().parent.parent / "docs"


def code_blocks(page: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (DOCS / page).read_text(), re.DOTALL)


def test_results_format_example_is_a_valid_results_file():
    (example,) = code_blocks("results-format.md", "json")
    doc, problems = parse_and_validate(example, "docs/results-format.md")
    assert problems == [] and doc["run"]["kind"] == "comparison"


def test_getting_started_example_is_a_valid_config(tmp_path):
    from perfpages.config import load_config

    example = code_blocks("getting-started.md", "yaml")[0]  # the second block is the mkdocs.yml snippet
    (tmp_path / "perfpages.yml").write_text(example)
    assert [s.name for s in load_config(tmp_path / "perfpages.yml").scenarios] == ["sleep", "handshake"]


def test_every_command_and_builtin_metric_is_documented():
    cli_page = (DOCS / "cli.md").read_text()
    for name in cli.commands:
        assert f"## `perfpages {name}`" in cli_page, name
    config_page = (DOCS / "configuration.md").read_text()
    for metric in BUILTIN_METRICS:
        assert f"| `{metric}` |" in config_page, metric


def test_statistics_parameters_are_generated_from_the_code():
    import sys

    sys.path.insert(0, str(DOCS.parent / "scenarios"))
    import statistics_doc

    page = (DOCS / "statistics.md").read_text()
    assert f"{statistics_doc.START}\n{statistics_doc.table()}\n{statistics_doc.END}" in page, (
        "docs/statistics.md is out of date: run python scenarios/statistics_doc.py"
    )


def test_documented_change_point_accuracy_is_what_the_code_measures():
    import sys

    import pytest

    sys.path.insert(0, str(DOCS.parent / "scenarios"))
    import benchdata
    import changepoint_bench

    if benchdata.data_dir() is None:
        pytest.skip("../shared/benchmark-data is absent; the benchmark needs the real series")
    row = changepoint_bench.run(["ours"], ["held-out"])["detectors"]["ours"]
    held_out = row["held-out"]
    expected = f"| ours | {held_out['f1']:.3f} | {held_out['false_alarms_per_1k']:.2f} |"
    tcpd = f"| ours | {row['tcpd_f1']:.3f} | {row['tcpd_covering']:.3f} |"
    page = (DOCS / "statistics.md").read_text()
    assert expected in page and tcpd in page, (
        "docs/statistics.md is out of date: run python scenarios/changepoint_bench.py --write-docs docs/statistics.md"
    )


def test_the_nav_has_one_dashboard_and_home_links_it():
    """One tab for the dashboard (its pages and the page on reading it), and Home leads to it."""
    from ruamel.yaml import YAML

    config = YAML(typ="safe").load((DOCS.parent / "mkdocs.yml").read_text())

    def titles(entries):
        for entry in entries:
            for title, value in entry.items() if isinstance(entry, dict) else ():
                yield title
                yield from titles(value) if isinstance(value, list) else ()

    named = [t for t in titles(config["nav"]) if "dashboard" in t.lower()]
    assert named == ["Dashboard", "Reading the dashboard"], named
    (group,) = [e["Dashboard"] for e in config["nav"] if isinstance(e, dict) and "Dashboard" in e]
    assert {"Reading the dashboard": "dashboard.md"} in group
    assert "](perf/index.md)" in (DOCS / "index.md").read_text()
