"""Markdown building blocks that never let untrusted text become markup.

Scenario names, commit subjects and author names come from contributors; in a PR
comment or a page they must show as text, never run as HTML, links or templates.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import quote

_SPECIAL = re.compile(r"([\\`*_\[\]()#+!|~<>])")  # braces become entities instead


@lru_cache(maxsize=1 << 16)
def escape(text: str) -> str:
    """Escape for Markdown inline text (tables included): HTML-escape, then backslash markup.

    `{{` is broken up as well, so no template engine downstream sees a placeholder. Kept for
    the texts seen most: a site's pages escape the same labels and machines 100,000 times.
    """
    text = html.escape(str(text), quote=False)  # quotes are plain text in Markdown
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("\n", " ").replace("{", "&#123;").replace("}", "&#125;")


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
