"""Whether the process that left something behind still runs, robust to pid reuse."""

from __future__ import annotations

import os


def identity(pid: int | None = None) -> str:
    """``"<pid> <start time>"`` of a process (this one by default), to write into a marker file.

    The start time (in clock ticks since boot, from /proc) tells a reused pid from the original."""
    pid = os.getpid() if pid is None else pid
    return f"{pid} {_start_time(pid) or 0}"


def still_running(marker: str) -> bool:
    """Whether the process an ``identity`` names is alive. Unreadable markers count as alive,
    so that nothing is removed on a guess."""
    try:
        pid_text, start_text = marker.split()
        pid, start = int(pid_text), int(start_text)
    except ValueError:
        return True
    if not pid_alive(pid):
        return False
    now = _start_time(pid)
    return start == 0 or now is None or now == start


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _start_time(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    # Field 22, counted after the command name, which is in parentheses and may hold spaces.
    fields = stat[stat.rfind(b")") + 2 :].split()
    return int(fields[19]) if len(fields) > 19 else None
