"""The GitHub Actions runner's file interface: the event payload, step outputs and job summary.

Outside Actions the variables are unset: outputs and summary are then dropped (the CLI prints
the same facts), and the event is read from the path given instead.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from perfpages.errors import PerfpagesError


def event_payload(path: str | None = None) -> dict[str, Any]:
    """The webhook payload of the event that started the workflow ($GITHUB_EVENT_PATH)."""
    path = path or os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        raise PerfpagesError("no event: set GITHUB_EVENT_PATH (Actions does) or pass --event FILE")
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PerfpagesError(f"{path}: cannot read the event payload: {exc}") from None


def set_outputs(values: dict[str, str]) -> None:
    """Append step outputs to $GITHUB_OUTPUT, each in the delimiter form so any value is safe."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            delimiter = f"EOF_{secrets.token_hex(8)}"  # cannot occur in a value by chance or design
            handle.write(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")


def append_summary(markdown: str) -> None:
    """Add Markdown to the job summary ($GITHUB_STEP_SUMMARY); the caller escapes untrusted text."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip("\n") + "\n\n")
