"""Map a function over items in forked worker processes.

A build's inputs (every run, every series) are hundreds of megabytes: pickling them to
workers would cost more than the work. Forked workers inherit them instead, and only the
(small) results travel back. Fork is safe here: the CLI's build runs no threads, and
`perfpages serve`, whose watcher is a thread, builds with one process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_TASK: tuple = ()  # (function, items) for the workers: set just before they fork, never sent


def fork_map(function: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[function(item) for item in items]``, worked by this process and ``workers`` - 1 forked
    ones, each a share of every ``workers``-th item so that costly runs of items spread evenly.

    This process works its own share while the others do theirs: forking a process that holds a
    large history costs tens of milliseconds, and it would only have waited."""
    if workers < 2 or len(items) < 2:
        return [function(item) for item in items]
    global _TASK
    shares = [range(w, len(items), workers) for w in range(workers)]
    _TASK = (function, items)
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=get_context("fork")) as pool:
            others = pool.map(_work, shares[1:])
            results = [_work(shares[0]), *others]
    finally:
        _TASK = ()
    out: list = [None] * len(items)
    for share, found in zip(shares, results, strict=True):
        for i, result in zip(share, found, strict=True):
            out[i] = result
    return out


def _work(share: range) -> list:
    function, items = _TASK
    return [function(items[i]) for i in share]
