import pytest

from perfpages.model import Direction, MetricSpec
from perfpages.runner.metrics import extract


def metric(**kw) -> MetricSpec:
    return MetricSpec(name="m", unit="1/s", direction=Direction.HIGHER, **kw)


@pytest.mark.parametrize(
    ("spec", "stdout", "value"),
    [
        (metric(json_pointer="/rate"), '{"rate": 1234.5}', 1234.5),
        (metric(json_pointer="/a~1b/0"), '{"a/b": [7, 8]}', 7.0),
        (metric(json_pointer="/x"), 'warming up\nready\n{"x": "42"}\n', 42.0),
        (metric(regex=r"Requests/sec:\s+([0-9.]+)"), "Running 10s test\nRequests/sec:  31872.14\n", 31872.14),
    ],
)
def test_values_are_read_from_stdout(tmp_path, spec, stdout, value):
    assert extract(spec, stdout, tmp_path).value == value


def test_values_are_read_from_a_file_the_command_wrote(tmp_path):
    (tmp_path / "out.json").write_text('{"p99": 0.012}')
    assert extract(metric(json_pointer="/p99", file="out.json"), "", tmp_path).value == 0.012


@pytest.mark.parametrize(
    ("spec", "stdout", "error"),
    [
        (metric(json_pointer="/rate"), "no json", "metric m: no JSON object found in stdout"),
        (metric(json_pointer="/rate"), '{"other": 1}', "metric m: JSON pointer /rate matches nothing in stdout"),
        (metric(json_pointer="/rate"), '{"rate": "fast"}', "gives 'fast', not a number"),
        (metric(json_pointer="/rate"), '{"rate": true}', "gives a boolean"),
        (metric(json_pointer="/rate"), '{"rate": "nan"}', "only finite numbers are recorded"),
        (metric(regex=r"rate=(\d+)"), "nothing", "regex 'rate=(\\\\d+)' matches nothing"),
        (metric(json_pointer="/x", file="missing.json"), "", "cannot read missing.json"),
    ],
)
def test_problems_say_which_metric_and_what_went_wrong(tmp_path, spec, stdout, error):
    found = extract(spec, stdout, tmp_path)
    assert found.value is None and error in found.error
