"""The escaping layers: every untrusted payload through every layer, and through every sink of a built site."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from generator.render import escape
from generator.site.html import front_matter

# What a contributor can put in a commit subject, author, branch, PR title, parameter name or value,
# unit, machine (in a fingerprint) or failure reason.
PAYLOADS = {
    "carriage return": "a\rb",
    "line feed": "a\nb",
    "crlf and list": "row\r\n- injected item",
    "line separator": "a\u2028b",
    "paragraph separator": "a\u2029b",
    "vertical tab": "a\x0bb",
    "form feed": "a\x0cb",
    "next line": "a\x85b",
    "table pipe": "a | b |",
    "script": "<script>alert(1)</script>",
    "link": '<a href="javascript:alert(1)">x</a>',
    "bold": "<b>bold</b>",
    "markdown link": "[click](javascript:alert(1))",
    "image": "![x](https://example.com/x.png)",
    "template": "{{ config.site_name }}",
    "mention": "@everyone @user @org/team",
    "right-to-left override": "abc\u202edcba",
    "isolates": "a\u2066b\u2069c\u200f",
    "emoji": "fast 🚀 path",
    "NUL and controls": "a\x00b\x1bc\x7fd",
    "lone surrogate": "a\ud800b",
    "non-characters": "a\ufffeb\uffff",
    "quotes": 'it\'s "quoted"',
    "yaml": "key: value # comment\n---\n- item",
    "xml": "]]> <!-- &amp; -->",
    "backticks": "``code`` `x`",
}
LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
XML_ALLOWED = re.compile("^[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")
CASES = list(PAYLOADS.items())


def _visible_line(out: str) -> None:
    assert not set(out) & set(LINE_BREAKS + BIDI), repr(out)
    assert XML_ALLOWED.match(out), repr(out)


@pytest.mark.parametrize(("name", "payload"), CASES, ids=[n for n, _ in CASES])
def test_markdown_is_one_line_with_no_markup(name, payload):
    out = escape.markdown(payload)
    _visible_line(out)
    assert "<" not in out and "{{" not in out and "](" not in out
    assert "|" not in out.replace("\\|", "")


@pytest.mark.parametrize(("name", "payload"), CASES, ids=[n for n, _ in CASES])
def test_comment_notifies_nobody(name, payload):
    out = escape.comment(payload)
    _visible_line(out)
    assert re.search(r"@[A-Za-z0-9]", out) is None, out


@pytest.mark.parametrize(("name", "payload"), CASES, ids=[n for n, _ in CASES])
def test_html_text_and_attributes_hold_no_tag_or_quote(name, payload):
    out = escape.html_text(payload)
    _visible_line(out)
    assert not set(out) & set("<>\"'") and "{{" not in out


@pytest.mark.parametrize(("name", "payload"), CASES, ids=[n for n, _ in CASES])
def test_front_matter_is_valid_yaml_that_reads_back(name, payload):
    page = front_matter(payload, searchable=False, hide=("navigation",))
    data = yaml.safe_load(page.split("---\n")[1])
    assert data["title"] == escape.html_text(payload)
    assert data["hide"] == ["navigation"] and data["search"] == {"exclude": True}


@pytest.mark.parametrize(("name", "payload"), CASES, ids=[n for n, _ in CASES])
def test_xml_is_well_formed_and_reads_back(name, payload):
    feed = f'<feed title="{escape.xml_text(payload)}"><summary>{escape.xml_text(payload)}</summary></feed>'
    root = ET.fromstring(feed)
    assert root.get("title") == root.find("summary").text == escape.one_line(payload)


def test_one_line_keeps_ordinary_text_and_emoji():
    assert escape.one_line("Speed up the parser 🚀 (x2)") == "Speed up the parser 🚀 (x2)"
    assert escape.one_line("a\r\nb") == "a b"
    assert escape.one_line("a\x00b") == "a\ufffdb"
