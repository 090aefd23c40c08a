"""The site's JSON text: the same numbers and keys give the same bytes, so unchanged data leaves
its file unchanged (site/writer.py writes only changed files)."""

from __future__ import annotations

import json


def dumps(document) -> bytes:
    """Compact, keys sorted, UTF-8."""
    return (json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def rounded(value: float) -> float:
    """Six significant digits: more than any table or tooltip shows, and steady across float noise."""
    return float(f"{value:.6g}")
