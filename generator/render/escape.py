"""One escaping layer per output kind, for every untrusted string perfpages shows.

Commit subjects, authors, branches, PR titles, scenario and metric names, parameter names and values,
units, machines and failure reasons come from contributors. Every sink passes them through the one
function for its output kind:

- ``markdown``: Markdown inline text, table cells included (pages and reports);
- ``comment``: Markdown for a GitHub comment, where ``@name`` would also notify people;
- ``html_text`` / ``html_attribute``: raw HTML in generated pages;
- ``yaml_string``: a scalar in a page's YAML front matter;
- ``xml_text``: text and attributes of the Atom feed;
- plotly labels are escaped in the browser script (``plain`` in static/perfpages.js), because the
  chart data also feeds plain-text sinks there.

Each first makes the text one visible line (``one_line``): line and paragraph separators would split a
table row or start a list item, bidirectional controls would reverse the rest of a paragraph, and
other control characters are not allowed in XML or YAML at all.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache

# \r, \n, vertical tab, form feed, NEL, and the Unicode line and paragraph separators: each ends a line
# for some reader (Markdown, browsers, YAML), so each becomes a space.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
# Bidirectional embeddings, overrides, isolates and marks: dropped, as GitHub's own warning suggests.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Other C0/C1 controls, DEL, lone surrogates and the two non-characters XML and YAML refuse.
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_MARKDOWN = re.compile(r"([\\`*_\[\]()#+!|~<>])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
# GitHub finds mentions after Markdown is rendered, so a backslash does not stop one; a zero-width
# space after the @ does (the fix dependabot and others ship), and the text still reads the same.
_ZERO_WIDTH_SPACE = "\u200b"
# GitHub's extended autolinks: a scheme's "://" and a "www." start; the space goes before the last character.
_AUTOLINK = re.compile(r"(?<=[A-Za-z]):/|(?<![A-Za-z0-9])www\.", re.IGNORECASE)


@lru_cache(maxsize=1 << 16)
def one_line(text: object) -> str:
    """``text`` as one line of visible characters: breaks become spaces, bidi controls go, and other
    unprintable characters become U+FFFD (so a reader sees that something was there)."""
    text = _LINE_BREAKS.sub(" ", str(text))
    return _UNPRINTABLE.sub("\ufffd", _BIDI.sub("", text))


@lru_cache(maxsize=1 << 16)
def markdown(text: object) -> str:
    """Markdown inline text (tables included): one line, HTML-escaped, markup backslashed.

    Braces become entities, so no template engine downstream sees a ``{{`` placeholder. Kept for the
    texts seen most: a site's pages escape the same labels and machines 100,000 times."""
    text = html.escape(one_line(text), quote=False)  # quotes are plain text in Markdown
    return _MARKDOWN.sub(r"\\\1", text).replace("{", "&#123;").replace("}", "&#125;")


def comment(text: object) -> str:
    """Markdown for a GitHub comment: ``markdown``, with every ``@name`` (``@user``, ``@org/team``,
    ``@everyone``) broken by a zero-width space, so that GitHub notifies nobody, and every bare
    URL (``https://…``, ``www.…``) broken the same way, so that GitHub's autolinks make no link
    from untrusted text."""
    text = _MENTION.sub("@" + _ZERO_WIDTH_SPACE, markdown(text))
    return _AUTOLINK.sub(lambda m: m.group(0)[:-1] + _ZERO_WIDTH_SPACE + m.group(0)[-1], text)


def html_text(value: object) -> str:
    """Raw-HTML text or a double-quoted attribute value; braces as entities (see ``markdown``)."""
    return html.escape(one_line(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


html_attribute = html_text  # html.escape with quote=True is safe in both places


def yaml_string(value: object) -> str:
    """A YAML double-quoted scalar that any YAML 1.1 or 1.2 parser reads back as ``one_line(value)``.

    JSON's own escapes are YAML's, but ``ensure_ascii`` must be off: it writes an emoji as a surrogate
    pair of ``\\u`` escapes, which YAML reads as two lone surrogates and MkDocs then drops the front
    matter. ``one_line`` has removed every character YAML calls unprintable."""
    return json.dumps(one_line(value), ensure_ascii=False)


def xml_text(value: object) -> str:
    """Text or a double-quoted attribute value in an XML 1.0 document (the Atom feed)."""
    return html.escape(one_line(value), quote=True)
