"""No scenario outlives perfpages, even when perfpages is killed with SIGKILL.

Each command perfpages starts gets its own process group (so a timeout can kill all it
spawned). Those groups are out of reach of a signal sent to perfpages' own group, and a
SIGKILL gives perfpages no chance to clean up. So a small watchdog process, in a session of
its own, holds the read end of a pipe whose write end only perfpages holds. When perfpages
dies, however it dies, the pipe reaches end of file and the watchdog kills:

- every process group perfpages told it about and did not release, and
- every process whose environment carries this perfpages' token (``PERFPAGES_REAPER``),
  which covers a command killed in the instant between its start and the telling, and
  descendants that left their group.

Not a death signal (``PR_SET_PDEATHSIG``): setting it needs a preexec function, which makes
Python fork instead of vfork, and fork of a large parent adds milliseconds (25 ms from a
300 MB parent) to every measured wall time.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import threading

TOKEN_VARIABLE = "PERFPAGES_REAPER"

# Runs with `python -I -S`: no site, no perfpages imports, so it starts in a few milliseconds.
WATCHDOG = """
import os, signal, sys
token = sys.argv[1].encode()  # NAME=value, as it appears in /proc/<pid>/environ
groups = set()
for line in sys.stdin:
    pgid = int(line)
    if pgid > 0:
        groups.add(pgid)
    else:
        groups.discard(-pgid)
for pgid in groups:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
for name in os.listdir("/proc"):
    if not name.isdigit() or int(name) == os.getpid():
        continue
    try:
        with open("/proc/" + name + "/environ", "rb") as handle:
            marked = token in handle.read().split(b"\\0")
        if marked:
            os.kill(int(name), signal.SIGKILL)
    except OSError:
        pass
"""


class Reaper:
    """The watchdog of one perfpages process, started on first use."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(8)
        self._watchdog: subprocess.Popen | None = None
        self._owner = 0  # the pid that started the watchdog: a forked worker must start its own
        self._lock = threading.Lock()

    def mark(self, env: dict[str, str]) -> dict[str, str]:
        """``env`` for a command to start: with the token, and the watchdog running."""
        with self._lock:
            self._pipe()
        return {**env, TOKEN_VARIABLE: self.token}

    def watch(self, pgid: int) -> None:
        self._tell(pgid)

    def release(self, pgid: int) -> None:
        self._tell(-pgid)

    def _tell(self, number: int) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            pipe = self._pipe()
            if pipe is not None:
                pipe.write(f"{number}\n".encode())
                pipe.flush()

    def _pipe(self):
        if self._watchdog is None or self._owner != os.getpid():
            self._owner = os.getpid()
            try:
                self._watchdog = subprocess.Popen(
                    [sys.executable, "-I", "-S", "-c", WATCHDOG, f"{TOKEN_VARIABLE}={self.token}"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a kill of perfpages' group must not take the watchdog too
                )
            except OSError:
                self._watchdog = None
                return None
        return self._watchdog.stdin


REAPER = Reaper()
