"""The fast import path writes the same bytes as the plain one: the results-file encoder against
json's own indenting encoder, and a small generated asv history imported end to end."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from perfpages.importers import FORMATS
from perfpages.importers.convert import ImportOptions
from perfpages.importers.session import import_items
from perfpages.results.check import check_results
from perfpages.results.store import dumps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scenarios"))
from asv_import_bench import make_repo, write_history

NUMBER_ARRAY = re.compile(r"\[\s*(-?[0-9][-0-9.eE+]*(?:,\s*-?[0-9][-0-9.eE+]*)*)\s*\]")


def reference(document: dict) -> str:
    """The encoder results files were written with before: json's indenting encoder, then each
    array of numbers joined onto one line by a regular expression."""
    text = json.dumps(document, indent=2, sort_keys=True)
    return NUMBER_ARRAY.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text) + "\n"


def test_the_encoder_writes_what_json_writes_for_every_kind_of_value():
    doc = {
        "b": [1, 2.5, -3e-07, 1e16, 0.1],
        "a": {"nested": [[1.0, 2.0], [], {}, {"x": None}], "flags": [True, False], "empty": ""},
        "text": 'é " \\ \n \u2028 <tag>',
        "mixed": [1, "two", 3.0, None],
        "int": 7,
        "float": 2.0,
        "none": None,
        "bool": True,
    }
    assert dumps(doc) == reference(doc)


def test_brackets_inside_a_string_stay_as_they_are():
    """The regular expression also rewrote "[1,2]" inside a parameter value to "[1, 2]"."""
    doc = {"params": {"shape": "[1,2]"}, "samples": [1.0, 2.0]}
    assert json.loads(dumps(doc)) == doc
    assert reference(doc) != dumps(doc)


def test_a_generated_asv_history_imports_to_the_reference_bytes(tmp_path):
    project = tmp_path / "project"
    write_history(project / "results", make_repo(project, 12), benchmarks=6, samples=4)
    out = tmp_path / "out"
    tally = import_items(FORMATS["asv"]([project / "results"]), ImportOptions("asv"), out, lambda s: None)
    assert (tally.written, tally.points, tally.problems) == (12, 72, [])
    files = sorted(out.rglob("*.json"))
    assert len(files) == 12 and check_results(out).ok
    for path in files:
        text = path.read_text()
        assert text == reference(json.loads(text)), path
