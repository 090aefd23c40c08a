"""Which benchmark tools a repository already uses, from the files that configure them.

Each finding becomes one perfpages scenario that runs the tool's own suite; its wall time is the
metric until the tool's report is read as the scenario's output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SKIP = {".git", "node_modules", "target", ".venv", "venv", "build", "site", "__pycache__"}
MAX_FILES = 5000  # a scan stops here: a vendored tree must not make init slow


@dataclass(frozen=True)
class Tool:
    name: str  # the scenario's name
    tool: str  # what was found, for the report
    command: tuple[str, ...]  # argv, run from the repository root
    evidence: str  # the file that showed it, relative to the root


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
    conf = next((p for p in files if p.name == "asv.conf.json"), None)
    if conf is None:
        return None
    return Tool("asv", "asv", ("asv", "run", "--quick", "--python=same"), conf.relative_to(root).as_posix())


def _pytest_benchmark(root: Path, files: list[Path]) -> Tool | None:
    where = _first(root, files, {"pyproject.toml", "setup.cfg", "requirements.txt", "tox.ini"}, r"pytest-benchmark")
    where = where or _first(root, files, {"*.py"}, r"def test_\w+\([^)]*\bbenchmark\b")
    if where is None:
        return None
    command = ("python3", "-m", "pytest", "--benchmark-only", "-q")
    return Tool("pytest_benchmark", "pytest-benchmark", command, where)


def _criterion(root: Path, files: list[Path]) -> Tool | None:
    where = _first(root, files, {"Cargo.toml"}, r"(?m)^\s*criterion\s*=")
    return Tool("cargo_bench", "criterion", ("cargo", "bench"), where) if where else None


def _google_benchmark(root: Path, files: list[Path]) -> Tool | None:
    where = _first(root, files, {"CMakeLists.txt", "meson.build"}, r"benchmark::benchmark|find_package\(benchmark")
    return Tool("google_benchmark", "Google Benchmark", ("ctest", "-L", "benchmark"), where) if where else None


def _go_test(root: Path, files: list[Path]) -> Tool | None:
    if not any(p.name == "go.mod" for p in files):
        return None
    where = next((p for p in files if p.name.endswith("_test.go") and "func Benchmark" in _read(p)), None)
    if where is None:
        return None
    return Tool(
        "go_bench", "go test", ("go", "test", "-run", "^$", "-bench", ".", "./..."), where.relative_to(root).as_posix()
    )


def _hyperfine(root: Path, files: list[Path]) -> Tool | None:
    where = _first(root, files, {"*.sh"}, r"(?m)^\s*hyperfine\b")  # a script that runs it: perfpages runs the script
    return Tool("hyperfine", "hyperfine", ("bash", where), where) if where else None


CHECKS = (_asv, _pytest_benchmark, _criterion, _google_benchmark, _go_test, _hyperfine)
