"""Run one command and measure it. The Executor protocol lets tests substitute a fake."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from perfpages.runner.reaper import REAPER

OUTPUT_LIMIT = 16 * 1024 * 1024  # bytes kept of each output stream: its last 16 MiB


@dataclass(frozen=True)
class Invocation:
    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str]
    timeout: float
    cpus: tuple[int, ...] = ()


@dataclass(frozen=True)
class Execution:
    returncode: int | None  # None when it timed out
    wall_time: float  # seconds
    cpu_time: float  # user + system seconds of the child and its reaped descendants
    max_rss: int  # bytes
    stdout: str
    stderr: str
    timed_out: bool = False
    error: str = ""  # the command could not start at all
    stdout_cut: int = 0  # bytes dropped from the front of stdout: it was longer than OUTPUT_LIMIT
    stderr_bytes: int = 0  # the whole length of stderr, of which ``stderr`` is the tail

    @property
    def ok(self) -> bool:
        return not self.error and not self.timed_out and self.returncode == 0

    def reason(self, timeout: float) -> str:
        if self.error:
            return self.error
        if self.timed_out:
            return f"timed out after {timeout:g} s; raise the scenario's timeout or make it faster"
        if self.returncode is not None and self.returncode < 0:
            return f"killed by signal {signal.Signals(-self.returncode).name}"
        return f"exited with status {self.returncode}"


class Executor(Protocol):
    def execute(self, invocation: Invocation) -> Execution: ...


class SubprocessExecutor:
    """Runs the command in its own process group and reads its rusage with wait4.

    wait4 gives the rusage of exactly this child (not of every child perfpages
    ever ran, as RUSAGE_CHILDREN would). A timer kills the whole group on
    timeout, so a hung scenario never hangs the run.
    """

    def execute(self, invocation: Invocation) -> Execution:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            started = time.perf_counter()
            try:
                proc = start(invocation, out, err)
            except OSError as exc:
                return Execution(None, 0.0, 0.0, 0, "", "", error=f"could not start {invocation.argv[0]!r}: {exc}")
            sampler = PeakMemorySampler(proc.pid)
            sampler.start()
            try:
                status, usage, timed_out = _wait(proc, invocation.timeout)
            finally:
                sampler.stop()
            wall = time.perf_counter() - started
            stdout, stderr = read_tail(out), read_tail(err)
            return Execution(
                returncode=None if timed_out else os.waitstatus_to_exitcode(status),
                wall_time=wall,
                cpu_time=usage.ru_utime + usage.ru_stime,
                max_rss=sampler.peak or usage.ru_maxrss * 1024,  # rusage (KiB) only if it exited before a sample
                stdout=stdout.text,
                stderr=stderr.text,
                timed_out=timed_out,
                stdout_cut=stdout.cut,
                stderr_bytes=stderr.size,
            )


class PeakMemorySampler(threading.Thread):
    """Peak resident memory of a process tree, read from /proc/<pid>/status (VmHWM).

    Not ru_maxrss: Linux folds the *parent's* resident size into a child's maxrss when
    the child execs (the old address space's high-water mark is kept, with vfork too),
    so a 300 MB parent makes /bin/true "use" 300 MB. VmHWM belongs to the new address
    space. It is a high-water mark, so sampling loses only growth in the last interval
    before exit. Intervals start at 1 ms so short commands are still seen.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = pid
        self.peak = 0  # bytes; 0 if the tree could not be read (then rusage is used)
        self._done = threading.Event()

    def run(self) -> None:
        interval = 0.001
        while True:
            self._sample()
            if self._done.wait(interval):
                return
            interval = min(0.01, interval * 1.5)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def _sample(self) -> None:
        for pid in _tree(self.root):
            self.peak = max(self.peak, _vm_hwm(pid))


def _tree(root: int) -> list[int]:
    pids, queue = [], [root]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    queue.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return pids


def _vm_hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def start(invocation: Invocation, stdout, stderr) -> subprocess.Popen:
    """Start a child as perfpages starts every one: no stdin, its own process group (so a timeout
    or a stop can kill all it spawned), pinned to the invocation's CPUs, and killed with its
    group if perfpages dies (see reaper). Call ``stop_group`` when done with it."""
    proc = subprocess.Popen(
        invocation.argv,
        cwd=invocation.cwd,
        env=REAPER.mark(dict(invocation.env)),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
        preexec_fn=pin_to_cpus(invocation.cpus),
    )
    REAPER.watch(proc.pid)
    return proc


def stop_group(pid: int) -> None:
    """Kill what is left of a child's process group; the watchdog can forget it."""
    _kill_group(pid)
    REAPER.release(pid)


def pin_to_cpus(cpus: tuple[int, ...]):
    """A preexec_fn that pins the child to ``cpus``, or None when nothing is pinned (then Python
    can vfork, which costs the same from any size of parent)."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def _wait(proc: subprocess.Popen, timeout: float):
    fired = threading.Event()

    def kill() -> None:
        fired.set()
        _kill_group(proc.pid)

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:  # Ctrl-C, SIGTERM: leave no process behind
        stop_group(proc.pid)
        os.wait4(proc.pid, 0)
        raise
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it is reaped
    stop_group(proc.pid)  # descendants that outlived the child
    return status, usage, fired.is_set()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@dataclass(frozen=True)
class Tail:
    text: str  # the last OUTPUT_LIMIT bytes, decoded as UTF-8 (bad bytes replaced)
    size: int  # bytes the stream held in all
    cut: int  # bytes dropped from its front


def read_tail(handle) -> Tail:
    """The end of a spooled output stream, like a ring buffer of OUTPUT_LIMIT bytes.

    The end is what matters: the result line a benchmark prints last, and the error that
    ended a crash. The output is spooled to a file rather than read through a pipe, so no
    reader thread competes with the measured command for CPU."""
    size = handle.seek(0, os.SEEK_END)
    cut = max(0, size - OUTPUT_LIMIT)
    handle.seek(cut)
    data = handle.read(OUTPUT_LIMIT)
    if cut:
        data = data.lstrip(bytes(range(0x80, 0xC0)))  # a character split by the cut is dropped whole
    return Tail(data.decode("utf-8", errors="replace"), size, size - len(data))
