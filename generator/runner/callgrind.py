"""Count instructions with callgrind in a separate pass, and keep its output for profile diffs.

Why callgrind and not ``perf stat``: it counts the same number for the same binary and
input whatever else the machine is doing, and hardware counters are missing on many
virtual machines. ASLR is switched off with ``setarch -R`` where that works and
PYTHONHASHSEED is fixed unless the scenario sets it, because both change the count.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from perfpages.runner.executor import Execution, Executor, Invocation

SUMMARY_RE = re.compile(rb"^(?:summary|totals):\s+(\d+)", re.MULTILINE)
SLOWDOWN = 60  # callgrind runs roughly this many times slower; the timeout grows with it


@dataclass(frozen=True)
class Count:
    instructions: int | None
    profiles: tuple[Path, ...]  # gzipped callgrind outputs, one per traced process
    execution: Execution
    error: str = ""


@cache
def valgrind_path() -> str | None:
    return shutil.which("valgrind")


@cache
def aslr_prefix() -> tuple[str, ...]:
    """``setarch -R`` if this kernel lets us disable ASLR for a child, else nothing."""
    setarch = shutil.which("setarch")
    if setarch is None:
        return ()
    ok = subprocess.run([setarch, "-R", "true"], capture_output=True).returncode == 0
    return (setarch, "-R") if ok else ()


def count_instructions(executor: Executor, invocation: Invocation, keep_in: Path | None, name: str) -> Count:
    """Run ``invocation`` under callgrind; the count is the sum over every process it started."""
    valgrind = valgrind_path()
    if valgrind is None:
        empty = Execution(None, 0.0, 0.0, 0, "", "", error="valgrind not found")
        return Count(
            None,
            (),
            empty,
            "valgrind not found; install it (apt-get install valgrind) or remove the instructions metric",
        )
    with tempfile.TemporaryDirectory(prefix="perfpages-cg-") as tmp:
        out = Path(tmp)
        argv = (
            *aslr_prefix(),
            valgrind,
            "--tool=callgrind",
            "--trace-children=yes",
            f"--callgrind-out-file={out}/callgrind.%p",
            *invocation.argv,
        )
        env = dict(invocation.env)
        env.setdefault("PYTHONHASHSEED", "0")
        execution = executor.execute(
            Invocation(argv, invocation.cwd, env, invocation.timeout * SLOWDOWN, invocation.cpus)
        )
        if not execution.ok:
            return Count(None, (), execution, execution.reason(invocation.timeout * SLOWDOWN))
        outputs = sorted(out.glob("callgrind.*"), key=lambda p: int(p.suffix[1:]))
        total = sum(_summary(p) for p in outputs)
        if not outputs:
            return Count(None, (), execution, "callgrind wrote no output")
        kept = _keep(outputs, keep_in, name) if keep_in is not None else ()
        return Count(total, kept, execution)


def _summary(path: Path) -> int:
    match = SUMMARY_RE.search(path.read_bytes())
    return int(match.group(1)) if match else 0


def _keep(outputs: list[Path], folder: Path, name: str) -> tuple[Path, ...]:
    folder.mkdir(parents=True, exist_ok=True)
    kept = []
    for i, src in enumerate(outputs):
        suffix = "" if len(outputs) == 1 else f".{i}"
        dest = folder / f"{name}{suffix}.callgrind.gz"
        # mtime=0 keeps the archive bytes a function of the content alone.
        with src.open("rb") as raw, dest.open("wb") as sink, gzip.GzipFile(fileobj=sink, mode="wb", mtime=0) as packed:
            shutil.copyfileobj(raw, packed)
        kept.append(dest)
    return tuple(kept)
