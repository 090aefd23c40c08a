from pathlib import Path

import pytest

from perfpages.config import load_config
from perfpages.errors import ConfigError
from perfpages.model import Direction

MINIMAL = """\
scenarios:
  - name: sleep
    command: ["python3", "-c", "import time; time.sleep(0.01)"]
    repetitions: 5
    metrics: [wall_time, cpu_time, max_rss, instructions]
  - name: handshake
    command: "python3 -c 'print(\\"{\\\\\\"rate\\\\\\": 1234.5}\\")'"
    metrics:
      - {name: handshakes_per_s, json_pointer: /rate, unit: 1/s, direction: higher}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "perfpages.yml"
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return str(info.value)


def test_minimal_form_from_the_issue_parses(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    sleep, handshake = config.scenarios
    assert sleep.command.argv == ("python3", "-c", "import time; time.sleep(0.01)")
    assert sleep.repetitions == 5
    assert [m.name for m in sleep.metrics] == ["wall_time", "cpu_time", "max_rss", "instructions"]
    assert handshake.command.shell == """python3 -c 'print("{\\"rate\\": 1234.5}")'"""
    (rate,) = handshake.metrics
    assert (rate.json_pointer, rate.unit, rate.direction) == ("/rate", "1/s", Direction.HIGHER)
    assert handshake.repetitions == 5  # the default


def test_matrix_expands_every_combination_and_substitutes_params(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """\
defaults: {repetitions: 2, metrics: [wall_time]}
scenarios:
  - name: proxy
    command: "wrk --body ${body_size} $HOME ${mode}"
    env: {SIZE: "${body_size}"}
    matrix: {mode: [http, https], body_size: [10, 100, 1000, 10000]}
""",
        )
    )
    assert len(config.scenarios) == 8
    first = config.scenarios[0]
    assert first.params == (("body_size", "10"), ("mode", "http"))
    assert first.label == "proxy[body_size=10,mode=http]"
    assert first.command.shell == "wrk --body 10 $HOME http"  # $HOME is left for the shell
    assert dict(first.env) == {"SIZE": "10"}
    assert {s.label for s in config.scenarios} >= {"proxy[body_size=10000,mode=https]"}


def test_project_settings_and_floors(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """\
project: {name: demo, repository: "https://example.com/r", main_branch: trunk, thresholds: {wall_time: 0.02}}
scenarios: [{name: a, command: [/bin/true], metrics: [wall_time]}]
""",
        )
    )
    assert config.project.main_branch == "trunk"
    assert dict(config.project.floors) == {"instructions": 0.002, "wall_time": 0.02, "max_rss": 0.001}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "scenarios:\n  - name: a\n    command: [x]\n    metrics: [wall_time]\n    repetitions: five\n",
            "perfpages.yml:5:18: scenarios[0].repetitions: expected an integer >= 1, got str 'five'",
        ),
        (
            "scenarios:\n  - name: a\n    command: [x]\n    metrics: [walltime]\n",
            "perfpages.yml:4:15: scenarios[0].metrics[0]: unknown metric 'walltime'",
        ),
        (
            "scenarios:\n  - name: a\n    comand: [x]\n    metrics: [wall_time]\n",
            "perfpages.yml:3:5: scenarios[0].comand: unknown key; expected one of",
        ),
        ("scenarios:\n  - name: a\n    metrics: [wall_time]\n", "perfpages.yml:2:5: scenarios[0]: missing 'command'"),
        (
            "scenarios:\n  - name: a\n    command: [x]\n    metrics:\n      - {name: r, unit: x, direction: up, "
            "json_pointer: /r}\n",
            "scenarios[0].metrics[0].direction: expected one of lower, higher, got str 'up'",
        ),
        (
            "scenarios:\n  - name: a\n    command: [x]\n    metrics:\n      - {name: r, unit: x, direction: lower}\n",
            "give exactly one of json_pointer",
        ),
        (
            "scenarios:\n  - name: a\n    command: [x]\n    metrics:\n      - {name: r, unit: x, direction: lower, "
            "regex: 'rate [0-9]+'}\n",
            "the regex needs a capture group",
        ),
        (
            "scenarios:\n  - name: a\n    command: [x]\n    metrics:\n      - {name: r, unit: x, direction: lower, "
            "json_pointer: rate}\n",
            "a JSON pointer starts with '/'",
        ),
        (
            "scenarios:\n  - name: a\n    command: [x]\n    metrics: [wall_time]\n  - name: a\n    command: [y]\n"
            "    metrics: [wall_time]\n",
            "perfpages.yml:5:5: name: scenario 'a' is defined twice",
        ),
        (
            "scenarios:\n  - name: a\n    command: [x]\n    metrics: [wall_time]\n    matrix: {n: [1, 1]}\n",
            "scenarios[0].matrix.n: values repeat",
        ),
        (
            "scenarios:\n  - name: 'bad name'\n    command: [x]\n    metrics: [wall_time]\n",
            "perfpages.yml:2:11: scenarios[0].name: 'bad name' is not allowed",
        ),
        ("scenarios: [\n", "perfpages.yml:2:1: invalid YAML"),
        ("project: {name: x}\n", "missing 'scenarios'"),
    ],
)
def test_errors_name_file_line_column_field_and_what_is_expected(tmp_path, text, expected):
    assert expected in error_for(tmp_path, text)


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="file not found; create it"):
        load_config(tmp_path / "nope.yml")
