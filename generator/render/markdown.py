"""Markdown building blocks that never let untrusted text become markup.

Scenario names, commit subjects and author names come from contributors; in a PR
comment or a page they must show as text, never run as HTML, links or templates.
"""

from __future__ import annotations

from urllib.parse import quote

from perfpages.render.escape import markdown

escape = markdown  # the Markdown layer of generator/render/escape.py, under the name its callers use


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub table; cells must already be escaped (or be trusted literals)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def percent(value: float | None, signed: bool = True) -> str:
    if value is None or value != value:  # NaN
        return "n/a"
    return f"{value:+.2%}" if signed else f"{value:.2%}"


def safe_url(url: str) -> str:
    """A URL for a Markdown link target: parentheses, angle brackets, quotes, spaces and
    backslashes are percent-encoded, so an untrusted URL cannot close the link and add markup."""
    return quote(url, safe="/:?#@!$&*+,;=%-._~[]")
