"""A local server for a load-generating scenario: started before a repetition, stopped after it.

It runs in its own process group, pinned like the scenario, and is ready once
127.0.0.1:port accepts a connection. If it exits first or is not ready in time,
the repetition fails with the server's last words; either way the whole group is
killed afterwards, so no process is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

from perfpages.runner.executor import Invocation, start, stop_group

STDERR_TAIL = 600
STOP_GRACE = 2.0  # seconds between SIGTERM and SIGKILL


class ServerError(Exception):
    pass


@contextlib.contextmanager
def running(invocation: Invocation, port: int, ready_timeout: float) -> Iterator[None]:
    with tempfile.TemporaryFile() as err:
        try:
            proc = start(invocation, subprocess.DEVNULL, err)
        except OSError as exc:
            raise ServerError(f"server `{' '.join(invocation.argv)}` could not start: {exc.strerror}") from None
        try:
            _wait_ready(proc, port, ready_timeout, err)
            yield
        finally:
            _stop(proc)


def _wait_ready(proc: subprocess.Popen, port: int, timeout: float, err) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"server exited with status {proc.returncode} before listening: {_tail(err)}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise ServerError(
        f"server did not accept connections on 127.0.0.1:{port} within {timeout:g} s "
        f"(raise server.ready_timeout, or check the port): {_tail(err)}"
    )


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_GRACE)
    stop_group(proc.pid)  # the server's children too
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_GRACE)


def _tail(err) -> str:
    err.seek(0)
    text = err.read().decode("utf-8", errors="replace").strip()
    return text[-STDERR_TAIL:] or "(no output on stderr)"
