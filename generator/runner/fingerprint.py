"""What machine measured a run, and whether it looks quiet enough to trust.

The fingerprint is stored in every results file: a change of kernel, governor or CPU
is a known discontinuity in a series, not a regression. runner/doctor.py judges it
against the usual bare-metal recipe (performance governor, no turbo, no SMT, no ASLR,
idle machine).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from functools import cache
from pathlib import Path

SYS_CPU = Path("/sys/devices/system/cpu")


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
