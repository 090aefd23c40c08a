"""Noise and fence for many (series, base) pairs at once, so that a site with hundreds of
pull requests over hundreds of series learns them in a few vectorised passes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from perfpages.analysis import fence as compat
from perfpages.analysis.comparison import Priors
from perfpages.analysis.noise import NOISE_HISTORY, learn_noise_rows
from perfpages.analysis.series import Series, SeriesKey

CHUNK_ROWS = 8192  # 8192 x 60 doubles: 4 MB a temporary


@dataclass(frozen=True)
class PriorRequest:
    series: Series
    base: str


def learn_priors(requests: list[PriorRequest], floors: dict[str, float]) -> dict[tuple[SeriesKey, str], Priors]:
    """Priors for every request whose base is a point of its series; the rest fall back to
    learning from the comparison's own (empty) history."""
    histories = {
        (r.series.key, r.base): r.series.history_until(r.base, NOISE_HISTORY)
        for r in requests
        if r.base in r.series.positions
    }
    noise = _in_blocks(histories, lambda key, block: learn_noise_rows(block))
    fences = _in_blocks(
        {k: h[-compat.HISTORY_RUNS :] for k, h in histories.items()},
        lambda key, block: compat.fence_rows(block, key[0].metric, floors),
        by_metric=True,
    )
    return {k: Priors(noise[k], fences[k]) for k in histories}


def _in_blocks(histories: dict, learn, by_metric: bool = False) -> dict:
    """Group equal-length histories (and the same metric, for fences) into blocks; learn each block."""
    groups: dict[tuple, list] = defaultdict(list)
    for key, values in histories.items():
        groups[(len(values), key[0].metric if by_metric else "")].append(key)
    out = {}
    for keys in groups.values():
        # In chunks: the row-wise steps hold about ten temporaries the size of a block.
        for at in range(0, len(keys), CHUNK_ROWS):
            chunk = keys[at : at + CHUNK_ROWS]
            block = np.array([histories[k] for k in chunk], dtype=float)
            for key, learned in zip(chunk, learn(chunk[0], block), strict=True):
                out[key] = learned
    return out
