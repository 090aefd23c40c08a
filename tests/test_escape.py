"""The escaping layers: every untrusted payload through every layer, and through every sink of a built site."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from perfpages.render import escape
from perfpages.site.html import front_matter

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
    "bare links": "https://evil.example/login www.evil.example HTTP://x",
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
def test_comment_notifies_nobody_and_links_nothing(name, payload):
    out = escape.comment(payload)
    _visible_line(out)
    assert re.search(r"@[A-Za-z0-9]", out) is None, out
    assert re.search(r"://|(?<![A-Za-z0-9])www\.", out, re.IGNORECASE) is None, out  # no GitHub autolink


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


# ---- every sink: the PR comment, and each page, feed and front matter of a built site ----

SINK_PAYLOAD = "x\r- item\u2028y\u202erev @everyone @org/team <b>b</b>\x00 🚀"


def test_the_pr_comment_has_no_mention_break_or_bidi_from_any_field():
    from test_comment import series

    from perfpages.analysis.comparison import compare
    from perfpages.model import Failure
    from perfpages.render.comment import CommentContext, render_comment
    from perfpages.render.comparison import report_markdown
    from tests.conftest import make_commit

    report = compare("a" * 40, "b" * 40, [series(SINK_PAYLOAD, "instructions", 0.3, seed=5)])
    failure = Failure("parse", "b" * 40, "measure", SINK_PAYLOAD, params=(("p", SINK_PAYLOAD),))
    context = CommentContext(
        base=make_commit("a" * 40, subject=SINK_PAYLOAD, author=SINK_PAYLOAD),
        head=make_commit("b" * 40, subject=SINK_PAYLOAD),
        pull_request=7,
        branch=SINK_PAYLOAD,
        machines=(SINK_PAYLOAD,),
        failures=(failure,),
    )
    for body in (render_comment(report, context).body, report_markdown(report)):
        assert re.search(r"@[A-Za-z0-9]", body) is None
        assert not set(body) & set(BIDI + "\r\x00\u2028\u2029")
        assert "\n- item" not in body and "<b>" not in body  # no injected list item, no live tag


def test_every_page_front_matter_and_the_feed_parse_with_payloads_in_every_field(tmp_path):
    from dataclasses import replace

    import numpy as np
    from sitehistory import STEP_AT, main_run, make_project

    from perfpages.model import CommitInfo
    from perfpages.results.store import write_run
    from perfpages.site.build import generate, mkdocs_settings

    root = make_project(tmp_path / "demo", commits=0, with_pr=False)
    for i in range(STEP_AT + 8):  # past the step, so the change list and feed have an entry
        record = main_run(i, np.random.default_rng(i))
        head: CommitInfo = replace(record.head, subject=f"{SINK_PAYLOAD} {i}", author=SINK_PAYLOAD)
        measurements = tuple(
            replace(m, params=tuple((k, SINK_PAYLOAD) for k, _ in m.params), unit=m.unit + "\r- u")
            for m in record.measurements
        )
        write_run(root / "results", replace(record, head=head, measurements=measurements, branch=SINK_PAYLOAD))
    generate(root / "perfpages.yml", root / "results", mkdocs_settings(root / "mkdocs.yml"))
    perf = root / "docs" / "perf"
    pages = sorted(perf.rglob("*.md"))
    assert len(pages) > 3
    for page in pages:
        text = page.read_text()
        front = yaml.safe_load(text.split("---\n")[1])
        assert isinstance(front["title"], str), page
        body = text.split("---\n", 2)[2]
        assert not set(body) & set(BIDI + "\r\x00\u2028\u2029"), page
        assert "\n- item" not in body and "\n- u" not in body, page
    (feed,) = perf.rglob("*.xml")
    entries = ET.parse(feed).getroot().findall("{http://www.w3.org/2005/Atom}entry")
    assert entries and all("\u202e" not in ET.tostring(e, encoding="unicode") for e in entries)
