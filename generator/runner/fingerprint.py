"""What machine measured a run, and whether it looks quiet enough to trust.

The fingerprint is stored in every results file: a change of kernel, governor or CPU
is a known discontinuity in a series, not a regression. The checks follow the usual
bare-metal recipe (performance governor, no turbo, no SMT, no ASLR, idle machine).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SYS_CPU = Path("/sys/devices/system/cpu")


@dataclass(frozen=True)
class NoiseWarning:
    code: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})"


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cpu_model() -> str:
    text = _read(Path("/proc/cpuinfo")) or ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def governor() -> str | None:
    return _read(SYS_CPU / "cpu0/cpufreq/scaling_governor")


def turbo() -> bool | None:
    no_turbo = _read(SYS_CPU / "intel_pstate/no_turbo")
    if no_turbo is not None:
        return no_turbo == "0"
    boost = _read(SYS_CPU / "cpufreq/boost")
    return None if boost is None else boost == "1"


def smt() -> bool | None:
    active = _read(SYS_CPU / "smt/active")
    return None if active is None else active == "1"


def aslr() -> bool | None:
    value = _read(Path("/proc/sys/kernel/randomize_va_space"))
    return None if value is None else value != "0"


def isolated_cpus() -> str | None:
    return _read(SYS_CPU / "isolated") or None


@cache
def perf_counters() -> bool:
    """True only where ``perf stat`` really counts instructions (not '<not supported>')."""
    perf = shutil.which("perf")
    if perf is None:
        return False
    try:
        proc = subprocess.run(
            [perf, "stat", "-x,", "-e", "instructions:u", "true"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    first = proc.stderr.strip().split(",", 1)[0] if proc.returncode == 0 else ""
    return first.isdigit()


def fingerprint(cpus: tuple[int, ...] = ()) -> dict:
    """A JSON-ready description of this machine now."""
    return {
        "cpu_model": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "governor": governor(),
        "turbo": turbo(),
        "smt": smt(),
        "aslr": aslr(),
        "isolated_cpus": isolated_cpus(),
        "pinned_cpus": list(cpus),
        "kernel": platform.release(),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "perf_counters": perf_counters(),
    }


def noise_warnings(fp: dict) -> list[NoiseWarning]:
    """Hints for a quieter machine. Unknown values (None) do not warn: a VM may not expose them."""
    warnings = []
    if fp["governor"] not in (None, "performance"):
        warnings.append(
            NoiseWarning(
                "governor",
                f"CPU governor is {fp['governor']!r}",
                "set it to performance: cpupower frequency-set -g performance",
            )
        )
    if fp["turbo"]:
        warnings.append(
            NoiseWarning(
                "turbo", "turbo boost is on", "disable it: echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo"
            )
        )
    if fp["smt"]:
        warnings.append(
            NoiseWarning(
                "smt", "hyper-threading (SMT) is on", "disable it: echo off > /sys/devices/system/cpu/smt/control"
            )
        )
    load = fp["load_average"][0]
    cores = fp["logical_cpus"] or 1
    if load > 0.25 * cores:
        warnings.append(
            NoiseWarning(
                "load",
                f"load average is {load} on {cores} CPUs",
                "stop other work on this machine, or pin the benchmark with --cpus",
            )
        )
    return warnings
