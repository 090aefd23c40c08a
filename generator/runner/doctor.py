"""`perfpages doctor`: is this machine ready to benchmark, and what to change if not.

The checks follow the bare-metal recipe of the rustls benchmarks (seed 002): performance
governor, no frequency boost, no hyper-threading, an idle machine, CPUs set aside
for the benchmark; plus what instruction counting needs (valgrind, ASLR off per run).
Each check is judged from a machine fingerprint, so it is pure and testable; a value
the machine does not expose (common on VMs) is "unknown", never a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    status: Status
    value: str
    fix: str  # what to do when the status is not ok

    def __str__(self) -> str:
        return f"{self.title}: {self.value} ({self.fix})"


@dataclass(frozen=True)
class Tools:
    valgrind: bool
    aslr_off_per_run: bool  # `setarch -R` works, so each callgrind pass runs without ASLR


LOAD_PER_CPU = 0.25  # a 1-minute load above this share of the CPUs is somebody else's work


def diagnose(fp: dict, tools: Tools) -> list[Check]:
    return [
        _governor(fp.get("governor")),
        _switch("turbo", "frequency boost", fp.get("turbo"), _TURBO_FIX),
        _switch("smt", "hyper-threading (SMT)", fp.get("smt"), _SMT_FIX),
        _aslr(fp.get("aslr"), tools.aslr_off_per_run),
        _isolated(fp.get("isolated_cpus"), fp.get("pinned_cpus") or []),
        _load(fp.get("load_average") or [0.0], fp.get("logical_cpus") or 1),
        _perf(bool(fp.get("perf_counters"))),
        _valgrind(tools.valgrind),
    ]


_TURBO_FIX = (
    "echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo (AMD: echo 0 > /sys/devices/system/cpu/cpufreq/boost)"
)
_SMT_FIX = "echo off > /sys/devices/system/cpu/smt/control, or disable it in the firmware"


def _governor(value: str | None) -> Check:
    fix = "cpupower frequency-set -g performance"
    if value is None:
        return Check("governor", "CPU governor", Status.UNKNOWN, "not exposed (a VM or firmware control)", fix)
    status = Status.OK if value == "performance" else Status.WARN
    return Check("governor", "CPU governor", status, value, fix)


def _switch(code: str, title: str, on: bool | None, fix: str) -> Check:
    if on is None:
        return Check(code, title, Status.UNKNOWN, "not exposed", fix)
    return Check(code, title, Status.WARN if on else Status.OK, "on" if on else "off", fix)


def _aslr(on: bool | None, off_per_run: bool) -> Check:
    fix = "sysctl -w kernel.randomize_va_space=0, or install setarch (util-linux)"
    if on is False:
        return Check("aslr", "address-space randomisation", Status.OK, "off", fix)
    if off_per_run:
        return Check("aslr", "address-space randomisation", Status.OK, "on, but off for each callgrind run", fix)
    value = "on" if on else "not exposed"
    return Check("aslr", "address-space randomisation", Status.WARN, value, fix)


def _isolated(isolated: str | None, pinned: list[int]) -> Check:
    fix = "boot with isolcpus=2,3 nohz_full=2,3 and run with --cpus 2,3"
    if isolated:
        return Check("isolated", "isolated CPUs", Status.OK, isolated, "pass them to perfpages run --cpus")
    if pinned:
        return Check("isolated", "isolated CPUs", Status.WARN, f"none (pinned to {pinned}, not isolated)", fix)
    return Check("isolated", "isolated CPUs", Status.WARN, "none", fix)


def _load(load: list[float], cpus: int) -> Check:
    value = f"{load[0]:.2f} over the last minute on {cpus} CPUs"
    status = Status.WARN if load[0] > LOAD_PER_CPU * cpus else Status.OK
    return Check("load", "background load", status, value, "stop other work on this machine while it benchmarks")


def _perf(counts: bool) -> Check:
    value = "counting" if counts else "not available (callgrind counts instructions instead)"
    fix = "install linux-perf and set kernel.perf_event_paranoid=1; unavailable on most VMs"
    return Check("perf", "hardware counters", Status.OK if counts else Status.UNKNOWN, value, fix)


def _valgrind(present: bool) -> Check:
    value = "installed" if present else "missing: the instructions metric cannot be measured"
    return Check("valgrind", "valgrind", Status.OK if present else Status.WARN, value, "apt-get install valgrind")


def noise_warnings(fp: dict) -> list[Check]:
    """What `perfpages run` warns about before measuring: the checks that make wall time noisy."""
    tools = Tools(valgrind=True, aslr_off_per_run=True)  # both only matter to instruction counts
    noisy = {"governor", "turbo", "smt", "load"}
    return [c for c in diagnose(fp, tools) if c.code in noisy and c.status is Status.WARN]
