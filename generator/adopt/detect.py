"""Which benchmark tools a repository already uses, from the files that configure them.

Each finding becomes one perfpages scenario that runs the tool's own suite and reads the tool's
report as the scenario's output (`output: {format, file}`), so each benchmark becomes a series. Where
the report cannot be pinned down (ctest runs many Google Benchmark binaries; a hyperfine script that
exports nothing), the suite's wall time is the metric and the written file says how to do better.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SKIP = {".git", "node_modules", "target", ".venv", "venv", "build", "site", "__pycache__"}
MAX_FILES = 5000  # a scan stops here: a vendored tree must not make init slow


OUTPUT_DIR = ".perfpages-output"  # where generated scenarios have their tool write its report; gitignored


@dataclass(frozen=True)
class Report:
    """The tool's report, read as the scenario's output: an import format and where it is written
    (relative to the scenario's folder; None for stdout)."""

    format: str
    file: str | None = None


@dataclass(frozen=True)
class Tool:
    name: str  # the scenario's name
    tool: str  # what was found, for the report
    command: tuple[str, ...] | str  # argv, or a shell string where it needs the environment
    evidence: str  # the file that showed it, relative to the root
    report: Report | None = None
    cwd: str | None = None  # the folder to run in, relative to the root; the root itself when None
    setup: tuple[str, ...] | None = None
    hint: str = ""  # what to change by hand to read each benchmark, when report is None


def detect(root: Path) -> tuple[Tool, ...]:
    """Every tool found under ``root``, in a fixed order, at most one per kind."""
    files = _files(root)
    found = [tool for check in CHECKS if (tool := check(root, files)) is not None]
    return tuple(found)


def _files(root: Path) -> list[Path]:
    out: list[Path] = []
    for path in sorted(root.rglob("*")):
        if any(part in SKIP for part in path.relative_to(root).parts):
            continue
        if path.is_file():
            out.append(path)
            if len(out) >= MAX_FILES:
                break
    return out


def _first(root: Path, files: list[Path], names: set[str], pattern: str) -> str | None:
    regex = re.compile(pattern)
    for path in files:
        if (path.name in names or "*" + path.suffix in names) and _read(path) and regex.search(_read(path)):
            return path.relative_to(root).as_posix()
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:200_000]
    except OSError:
        return ""


def _asv(root: Path, files: list[Path]) -> Tool | None:
    """asv keeps results only of a run that names its commit (never of --quick or a bare
    --python=same run), in the results_dir its asv.conf.json sets."""
    conf = next((p for p in files if p.name == "asv.conf.json"), None)
    if conf is None:
        return None
    folder = conf.parent.relative_to(root).as_posix()
    results = re.search(r'"results_dir"\s*:\s*"([^"]+)"', _read(conf))
    return Tool(
        "asv",
        "asv",
        'asv run --python=same --set-commit-hash "$PERFPAGES_COMMIT"',
        conf.relative_to(root).as_posix(),
        Report("asv", results.group(1) if results else ".asv/results"),
        cwd=None if folder == "." else folder,
        setup=("asv", "machine", "--yes"),  # asv asks about the machine once, and no one can answer in CI
    )


def _pytest_benchmark(root: Path, files: list[Path]) -> Tool | None:
    where = _first(root, files, {"pyproject.toml", "setup.cfg", "requirements.txt", "tox.ini"}, r"pytest-benchmark")
    where = where or _first(root, files, {"*.py"}, r"def test_\w+\([^)]*\bbenchmark\b")
    if where is None:
        return None
    report = f"{OUTPUT_DIR}/pytest-benchmark.json"
    # Each round's time is a sample. Rounds of at least 1 ms keep a fast benchmark to about a thousand
    # of them per second of --benchmark-max-time, rather than 200,000 rounds of 5 us (the default),
    # which would make one run's results file tens of megabytes.
    command = (
        "python3",
        "-m",
        "pytest",
        "--benchmark-only",
        "--benchmark-min-time=0.001",
        "-q",
        f"--benchmark-json={report}",
    )
    return Tool("pytest_benchmark", "pytest-benchmark", command, where, Report("pytest-benchmark", report))


def _criterion(root: Path, files: list[Path]) -> Tool | None:
    where = _first(root, files, {"Cargo.toml"}, r"(?m)^\s*criterion\s*=")
    if where is None:
        return None
    return Tool("cargo_bench", "criterion", ("cargo", "bench"), where, Report("criterion", "target/criterion"))


def _google_benchmark(root: Path, files: list[Path]) -> Tool | None:
    where = _first(root, files, {"CMakeLists.txt", "meson.build"}, r"benchmark::benchmark|find_package\(benchmark")
    if where is None:
        return None
    hint = (
        "ctest runs every benchmark binary, each would overwrite one report: to read each benchmark, run one "
        "binary with --benchmark_out=.perfpages-output/gb.json --benchmark_out_format=json and add "
        "output: {format: google-benchmark, file: .perfpages-output/gb.json}"
    )
    return Tool("google_benchmark", "Google Benchmark", ("ctest", "-L", "benchmark"), where, hint=hint)


def _go_test(root: Path, files: list[Path]) -> Tool | None:
    if not any(p.name == "go.mod" for p in files):
        return None
    where = next((p for p in files if p.name.endswith("_test.go") and "func Benchmark" in _read(p)), None)
    if where is None:
        return None
    command = ("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./...")
    return Tool("go_bench", "go test", command, where.relative_to(root).as_posix(), Report("go"))  # read from stdout


def _hyperfine(root: Path, files: list[Path]) -> Tool | None:
    where = _first(root, files, {"*.sh"}, r"(?m)^\s*hyperfine\b")  # a script that runs it: perfpages runs the script
    if where is None:
        return None
    export = re.search(r"--export-json[= ]+[\"']?([^\s\"']+)", _read(root / where))
    if export is None or "$" in export.group(1):
        hint = (
            f"to read each command, have {where} pass hyperfine --export-json FILE and add "
            "output: {format: hyperfine, file: FILE}"
        )
        return Tool("hyperfine", "hyperfine", ("bash", where), where, hint=hint)
    return Tool("hyperfine", "hyperfine", ("bash", where), where, Report("hyperfine", export.group(1)))


CHECKS = (_asv, _pytest_benchmark, _criterion, _google_benchmark, _go_test, _hyperfine)
