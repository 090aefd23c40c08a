"""Read perfpages.yml. The only module that parses YAML (ruamel keeps line numbers).

Every error names the file, line and column of the offending node and says what
was expected, for example::

    perfpages.yml:12:7: scenarios[1].repetitions: expected a positive integer, got 'five'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from perfpages.errors import ConfigError, Location
from perfpages.importers import FORMATS, k6, wrk
from perfpages.importers.base import is_number
from perfpages.model import (
    BUILTIN_METRICS,
    Command,
    Config,
    Direction,
    MetricSpec,
    ProjectSettings,
    Scenario,
    Server,
    Variants,
)

SCENARIO_KEYS = {
    "name",
    "command",
    "setup",
    "cwd",
    "env",
    "timeout",
    "warmup",
    "repetitions",
    "tags",
    "matrix",
    "metrics",
    "server",
    "output",
    "variants",
}
OUTPUT_FORMATS = {"wrk": wrk.METRICS, "k6": k6.METRICS}  # load generators whose reports become metrics
# Every other import format is a benchmark tool's report: each benchmark in it becomes a series.
FOLDER_FORMATS = ("asv", "criterion")  # these tools write a folder of files, never to stdout
ALL_FORMATS = tuple(sorted(FORMATS))
SERVER_KEYS = {"command", "port", "ready_timeout"}
VARIANT_KEYS = {"axis", "x", "reference"}
AXIS_NAMES = ("variant", "implementation", "impl", "config", "scheme", "version", "suite")
URL_HOST = re.compile(r"[a-z][a-z0-9+.-]*://(\[[^\]]*\]|[^/\s:'\"]*)", re.IGNORECASE)
LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}
PROJECT_KEYS = {"name", "repository", "main_branch", "machine", "thresholds", "keep_profiles"}
METRIC_KEYS = {"name", "json_pointer", "regex", "file", "unit", "direction"}
DEFAULT_KEYS = {"timeout", "warmup", "repetitions", "metrics"}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")


class _Node:
    """A YAML value with the path and location used in error messages."""

    def __init__(self, value: Any, field: str, location: Location):
        self.value, self.field, self.location = value, field, location

    def fail(self, message: str) -> ConfigError:
        return ConfigError(self.location, self.field, message)

    def child(self, key: str | int, at_key: bool = False) -> _Node:
        container = self.value
        line, col = _position(container, key, at_key)
        loc = Location(self.location.path, line, col) if line else self.location
        field = f"{self.field}[{key}]" if isinstance(key, int) else (f"{self.field}.{key}" if self.field else key)
        return _Node(container[key], field, loc)

    def get(self, key: str) -> _Node | None:
        return self.child(key) if key in self.value else None

    def mapping(self, allowed: set[str]) -> _Node:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected a mapping, got {_describe(self.value)}")
        unknown = sorted(set(self.value) - allowed)
        if unknown:
            node = self.child(unknown[0], at_key=True)
            raise node.fail(f"unknown key; expected one of: {', '.join(sorted(allowed))}")
        return self

    def items(self) -> list[_Node]:
        if not isinstance(self.value, list):
            raise self.fail(f"expected a list, got {_describe(self.value)}")
        return [self.child(i) for i in range(len(self.value))]


def _position(container: Any, key: str | int, at_key: bool) -> tuple[int | None, int | None]:
    """1-based line and column of a mapping's value (or key), or of a list item."""
    lc = getattr(container, "lc", None)
    if lc is None:
        return None, None
    try:
        if isinstance(container, CommentedMap):
            line, col = lc.key(key) if at_key else lc.value(key)
        else:
            line, col = lc.item(key)
    except (KeyError, IndexError, TypeError):
        return None, None
    return line + 1, col + 1


def _describe(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {value!r}"


def load_config(path: str | Path) -> Config:
    """Parse and validate a perfpages.yml, expanding parameter matrices."""
    path = Path(path)
    root = _Node(_parse(path), "", Location(str(path)))
    root.mapping({"project", "defaults", "scenarios"})
    project = _project(root.get("project"))
    defaults = _defaults(root.get("defaults"))
    scenarios_node = root.get("scenarios")
    if scenarios_node is None:
        raise root.fail("missing 'scenarios': list at least one scenario with a name, command and metrics")
    scenarios = [s for node in scenarios_node.items() for s in _scenarios(node, defaults)]
    _reject_duplicates(scenarios)
    return Config(project=project, scenarios=tuple(scenarios), path=str(path))


def load_settings(path: str | Path) -> Config:
    """For commands that only read results (build, changes, compare, comment): the perfpages.yml
    when there is one, else the defaults (main branch ``main``, the built-in floors) and no
    scenarios. A file that exists is read and validated as ``load_config`` does: never skipped."""
    path = Path(path)
    if not path.exists():
        return Config(project=ProjectSettings(), scenarios=(), path=str(path))
    return load_config(path)


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(Location(str(path)), "", "file not found; create it (see docs/configuration.md)") from None
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        loc = Location(str(path), mark.line + 1, mark.column + 1) if mark else Location(str(path))
        raise ConfigError(loc, "", f"invalid YAML: {exc.problem}") from None
    return CommentedMap() if data is None else data


def _string(node: _Node, pattern: re.Pattern | None = None, hint: str = "") -> str:
    if not isinstance(node.value, str) or not node.value.strip():
        raise node.fail(f"expected a non-empty string, got {_describe(node.value)}")
    if pattern and not pattern.match(node.value):
        raise node.fail(f"{node.value!r} is not allowed; {hint}")
    return node.value


def _number(node: _Node, minimum: float, integer: bool) -> Any:
    ok_type = int if integer else (int, float)
    if isinstance(node.value, bool) or not isinstance(node.value, ok_type) or node.value < minimum:
        kind = "an integer" if integer else "a number"
        raise node.fail(f"expected {kind} >= {minimum:g}, got {_describe(node.value)}")
    return node.value


def _project(node: _Node | None) -> ProjectSettings:
    if node is None:
        return ProjectSettings()
    node.mapping(PROJECT_KEYS)
    values: dict[str, Any] = {}
    for key in ("name", "repository", "main_branch", "machine"):
        if (child := node.get(key)) is not None:
            values[key] = _string(child)
    if (child := node.get("keep_profiles")) is not None:
        values["keep_profiles"] = _choice(child, ("always", "comparisons", "never"))
    if (child := node.get("thresholds")) is not None:
        if not isinstance(child.value, dict):
            raise child.fail("expected a mapping of metric name to relative floor, e.g. {wall_time: 0.01}")
        floors = dict(ProjectSettings().floors)
        for metric in child.value:
            floors[str(metric)] = _number(child.child(metric), 0, integer=False)
        values["floors"] = tuple(sorted(floors.items()))
    return ProjectSettings(**values)


def _choice(node: _Node, choices: tuple[str, ...]) -> str:
    if node.value not in choices:
        raise node.fail(f"expected one of {', '.join(choices)}, got {_describe(node.value)}")
    return node.value


def _defaults(node: _Node | None) -> dict[str, Any]:
    defaults: dict[str, Any] = {"timeout": 600.0, "warmup": 1, "repetitions": 5, "metrics": None}
    if node is None:
        return defaults
    node.mapping(DEFAULT_KEYS)
    defaults.update(_run_settings(node))
    if (child := node.get("metrics")) is not None:
        defaults["metrics"] = child
    return defaults


def _run_settings(node: _Node) -> dict[str, Any]:
    readers: dict[str, Callable[[_Node], Any]] = {
        "timeout": lambda n: float(_number(n, 0.001, integer=False)),
        "warmup": lambda n: _number(n, 0, integer=True),
        "repetitions": lambda n: _number(n, 1, integer=True),
    }
    return {key: read(child) for key, read in readers.items() if (child := node.get(key)) is not None}


def _scenarios(node: _Node, defaults: dict[str, Any]) -> list[Scenario]:
    node.mapping(SCENARIO_KEYS)
    name_node = node.get("name")
    if name_node is None:
        raise node.fail("missing 'name'")
    name = _string(name_node, NAME_RE, "use letters, digits and _ . - /, starting with a letter or digit")
    if (command_node := node.get("command")) is None:
        raise node.fail("missing 'command': give an argv list or a shell string")
    output = _output(node.get("output"))
    metrics_node = node.get("metrics") or defaults["metrics"]
    if metrics_node is None and output.report_format is None:
        raise node.fail("missing 'metrics': for example [wall_time, cpu_time, max_rss, instructions]")
    metrics = _metrics(metrics_node, output.metrics_format) if metrics_node is not None else ()
    settings = {**{k: defaults[k] for k in ("timeout", "warmup", "repetitions")}, **_run_settings(node)}
    matrix = _matrix(node.get("matrix"))
    _check_cores(node.get("matrix"), matrix)
    variants = _variants(node.get("variants"), matrix) if node.get("variants") is not None else None
    server_node = node.get("server")
    if server_node is not None and any(m.name == "instructions" for m in metrics):
        raise server_node.fail("a scenario with a server cannot count instructions: callgrind runs without it")
    tags = tuple(_string(t) for t in node.get("tags").items()) if node.get("tags") else ()
    env = _env(node.get("env"))
    expanded = []
    for params in matrix:
        subst = dict(params)
        command = _command(command_node, subst)
        if server_node is not None:
            _require_loopback(command_node, command)
        expanded.append(
            Scenario(
                name=name,
                params=params,
                command=command,
                setup=_command(node.get("setup"), subst) if node.get("setup") else None,
                cwd=_substitute(_string(node.get("cwd")), subst) if node.get("cwd") else None,
                env=tuple((k, _substitute(v, subst)) for k, v in env),
                tags=tags,
                metrics=metrics,
                server=_server(server_node, subst) if server_node is not None else None,
                output_file=output.file,
                report_format=output.report_format,
                variants=variants,
                location=node.location,
                **settings,
            )
        )
    return expanded


def _check_cores(node: _Node | None, matrix: list[tuple[tuple[str, str], ...]]) -> None:
    """A `cores` dimension pins the scenario to that many CPUs, so its values must be counts."""
    values = {v for params in matrix for k, v in params if k == "cores"}
    if any(not v.isdigit() or int(v) < 1 for v in values):
        raise node.child("cores").fail("cores values are CPU counts: whole numbers from 1, e.g. [1, 2, 4]")


@dataclass(frozen=True)
class _Output:
    """Where a scenario's numbers come from besides the built-in metrics: a load generator's report
    whose metrics the scenario lists (wrk, k6), or a benchmark tool's report of many benchmarks."""

    metrics_format: str | None = None  # wrk or k6: its metric names may be listed in `metrics`
    report_format: str | None = None  # any other import format: every benchmark becomes a series
    file: str | None = None  # where the command writes the report; stdout without it


def _output(node: _Node | None) -> _Output:
    """`output: wrk`, or `output: {format: pytest-benchmark, file: .benchmarks/out.json}`."""
    if node is None:
        return _Output()
    if isinstance(node.value, str):
        fmt, file = _format(node), None
    else:
        node.mapping({"format", "file"})
        if node.get("format") is None:
            raise node.fail(f"missing 'format': one of {', '.join(ALL_FORMATS)}")
        fmt = _format(node.get("format"))
        file = _string(node.get("file")) if node.get("file") else None
    if fmt in FOLDER_FORMATS and file is None:
        raise node.fail(f"{fmt} writes a folder, not to stdout: give it as `file`, e.g. {{format: {fmt}, file: ...}}")
    if fmt in OUTPUT_FORMATS:
        return _Output(metrics_format=fmt, file=file)
    return _Output(report_format=fmt, file=file)


def _format(node: _Node) -> str:
    if node.value not in FORMATS:
        valid = ", ".join(ALL_FORMATS)
        raise node.fail(f"unknown output format {node.value!r}; expected one of {valid} (see docs/import)")
    return node.value


def _server(node: _Node, params: dict[str, str]) -> Server:
    node.mapping(SERVER_KEYS)
    if node.get("command") is None or node.get("port") is None:
        raise node.fail("a server needs 'command' and 'port' (it is ready once 127.0.0.1:port accepts connections)")
    port = _number(node.get("port"), 1, integer=True)
    if port > 65535:
        raise node.get("port").fail("a port is at most 65535")
    timeout = float(_number(node.get("ready_timeout"), 0.1, integer=False)) if node.get("ready_timeout") else 10.0
    return Server(_command(node.get("command"), params), port, timeout)


def _require_loopback(node: _Node, command: Command) -> None:
    """A load generator aims at the local server only: never at another machine on the network."""
    words = command.argv if command.shell is None else tuple(command.shell.split())
    for word in words:
        for host in URL_HOST.findall(word):
            if host.lower() not in LOOPBACK:
                raise node.fail(f"{host!r}: a scenario with a server may only address 127.0.0.1, localhost or [::1]")


def _variants(node: _Node, matrix: list[tuple[tuple[str, str], ...]]) -> Variants:
    """`variants: {axis, x, reference}`; `variants: {}` picks them from the matrix."""
    dims: dict[str, list[str]] = {}
    for params in matrix:
        for key, value in params:
            dims.setdefault(key, [])
            if value not in dims[key]:
                dims[key].append(value)
    if len(dims) == 0:
        raise node.fail("variants compare the entries of a matrix; this scenario has none")
    if node.value is not None and not isinstance(node.value, dict):
        raise node.fail("expected a mapping such as {axis: variant, x: body_size, reference: http}, or {}")
    if node.value:
        node.mapping(VARIANT_KEYS)
    given = {k: _string(node.get(k)) for k in VARIANT_KEYS if node.value and node.get(k) is not None}
    axis = given.get("axis") or next((d for d in AXIS_NAMES if d in dims), next(iter(dims)))
    numeric = [d for d in dims if d not in (axis, "cores") and all(is_number(v) for v in dims[d])]
    x = given.get("x", numeric[0] if numeric else None)
    for key, dim in (("axis", axis), ("x", x)):
        if dim is not None and dim not in dims:
            raise node.get(key).fail(f"{dim!r} is not a matrix dimension; the dimensions are {', '.join(dims)}")
    if x == axis:
        raise node.get("x").fail("x must be another dimension than axis")
    reference = given.get("reference", dims[axis][0])
    if reference not in dims[axis]:
        raise node.get("reference").fail(f"{reference!r} is not a value of {axis}: {', '.join(dims[axis])}")
    return Variants(axis, x, reference)


def _substitute(text: str, params: dict[str, str]) -> str:
    # ${param} only: other $VARS in shell strings are left for the shell.
    return Template(text).safe_substitute(params)


def _command(node: _Node, params: dict[str, str]) -> Command:
    if isinstance(node.value, str):
        return Command(shell=_substitute(_string(node), params))
    items = node.items()
    if not items:
        raise node.fail("expected a non-empty argv list or a shell string")
    return Command(argv=tuple(_substitute(_scalar(i), params) for i in items))


def _scalar(node: _Node) -> str:
    if isinstance(node.value, bool) or not isinstance(node.value, str | int | float):
        raise node.fail(f"expected a string or number, got {_describe(node.value)}")
    return str(node.value)


def _env(node: _Node | None) -> list[tuple[str, str]]:
    if node is None:
        return []
    if not isinstance(node.value, dict):
        raise node.fail(f"expected a mapping of variable names to values, got {_describe(node.value)}")
    return [(str(k), _scalar(node.child(k))) for k in node.value]


def _matrix(node: _Node | None) -> list[tuple[tuple[str, str], ...]]:
    """Expand ``{dim: [v1, v2], ...}`` into every combination, in the order written."""
    if node is None:
        return [()]
    if not isinstance(node.value, dict) or not node.value:
        raise node.fail("expected a mapping of dimension names to lists of values, e.g. {body_size: [10, 100]}")
    dims = []
    for key in node.value:
        child = node.child(key)
        _string(_Node(str(key), child.field, child.location), NAME_RE, "dimension names use letters, digits, _")
        values = [_scalar(v) for v in child.items()]
        if not values:
            raise child.fail("expected at least one value")
        if len(set(values)) != len(values):
            raise child.fail("values repeat; each value must be unique")
        dims.append([(str(key), v) for v in values])
    return [tuple(sorted(combo)) for combo in itertools.product(*dims)]


def _metrics(node: _Node, output: str | None = None) -> tuple[MetricSpec, ...]:
    specs = [_metric(item, output) for item in node.items()]
    if not specs:
        raise node.fail("expected at least one metric")
    names = [s.name for s in specs]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise node.child(i).fail(f"metric {name!r} is listed twice")
    return tuple(specs)


def _metric(node: _Node, output: str | None = None) -> MetricSpec:
    if isinstance(node.value, str):
        reported = OUTPUT_FORMATS[output].get(node.value) if output else None
        if reported is not None:
            return MetricSpec(node.value, reported[0], reported[1], output=output)
        builtin = BUILTIN_METRICS.get(node.value)
        if builtin is None:
            names = ", ".join([*BUILTIN_METRICS, *(OUTPUT_FORMATS[output] if output else ())])
            raise node.fail(
                f"unknown metric {node.value!r}; known here: {names}; or give a mapping with "
                "name, json_pointer or regex, unit and direction"
            )
        return MetricSpec(node.value, builtin.unit, builtin.direction)
    node.mapping(METRIC_KEYS)
    for required in ("name", "unit", "direction"):
        if node.get(required) is None:
            raise node.fail(f"missing {required!r} (custom metrics need name, unit, direction and a source)")
    name = _string(node.get("name"), NAME_RE, "use letters, digits and _ . -")
    if name in BUILTIN_METRICS:
        raise node.get("name").fail(f"{name!r} is a built-in metric; list it as a plain string instead")
    pointer, regex = node.get("json_pointer"), node.get("regex")
    if (pointer is None) == (regex is None):
        raise node.fail("give exactly one of json_pointer (e.g. /rate) or regex (with one capture group)")
    return MetricSpec(
        name=name,
        unit=_string(node.get("unit")),
        direction=Direction(_choice(node.get("direction"), ("lower", "higher"))),
        json_pointer=_pointer(pointer) if pointer else None,
        regex=_regex(regex) if regex else None,
        file=_string(node.get("file")) if node.get("file") else None,
    )


def _pointer(node: _Node) -> str:
    text = _string(node)
    if not text.startswith("/"):
        raise node.fail(f"a JSON pointer starts with '/', e.g. /rate; got {text!r}")
    return text


def _regex(node: _Node) -> str:
    text = _string(node)
    try:
        compiled = re.compile(text)
    except re.error as exc:
        raise node.fail(f"invalid regular expression: {exc}") from None
    if compiled.groups < 1:
        raise node.fail("the regex needs a capture group around the number, e.g. 'rate: ([0-9.]+)'")
    return text


def _reject_duplicates(scenarios: list[Scenario]) -> None:
    seen: dict[str, Scenario] = {}
    for scenario in scenarios:
        if scenario.label in seen:
            loc = scenario.location or Location("perfpages.yml")
            raise ConfigError(loc, "name", f"scenario {scenario.label!r} is defined twice")
        seen[scenario.label] = scenario
