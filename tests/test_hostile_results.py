"""Hostile results files: every kind of bad file gets a problem naming it, never a traceback or a hang,
and whenever `check` passes, the site builds.

Each kind below writes one bad file next to a small good history. The property: `check` (the CLI and
the library) reports a problem naming that file, or passes and then `build` succeeds on the lot.
"""

from __future__ import annotations

import copy
import json
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitehistory import MACHINE, make_project, sha

from perfpages.cli import cli
from perfpages.results import limits
from perfpages.results.check import check_results
from perfpages.site.build import generate, mkdocs_settings

NEW_HEAD = sha("hostile")


@dataclass(frozen=True)
class Kind:
    """One kind of bad file: ``make`` writes it at ``path`` from the good document ``doc``."""

    name: str
    make: Callable[[Path, dict], None]
    field: str | None = None  # where the problem must point, when the kind is about one field


def _dump(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc, indent=1))


def content(name: str, mutate: Callable[[dict], object], field: str | None = None) -> Kind:
    def make(path: Path, doc: dict) -> None:
        doc = copy.deepcopy(doc)
        mutate(doc)
        _dump(path, doc)

    return Kind(name, make, field)


def raw(name: str, text: Callable[[str], str | bytes], field: str | None = None) -> Kind:
    """A kind made by editing the file's text (for what json.dumps cannot write)."""

    def make(path: Path, doc: dict) -> None:
        data = text(json.dumps(doc, indent=1))
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))

    return Kind(name, make, field)


def special(name: str, make: Callable[[Path], None]) -> Kind:
    return Kind(name, lambda path, doc: make(path), "(file)")


def head(doc: dict) -> dict:
    return doc["commits"][doc["run"]["head"]]


def entry(doc: dict) -> dict:
    return doc["results"][0]


def _sample_text(text: str, token: str) -> str:
    """The first sample replaced by ``token``, written as is."""
    at = text.index('"samples": [') + len('"samples": [')
    end = text.index(",", at)
    return text[:at] + token + text[end:]


def _nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def _mkfifo(path: Path) -> None:
    os.mkfifo(path)


def _outside_file(path: Path) -> None:
    outside = path.parents[4] / "outside.json"  # beside the project, outside its repository
    outside.write_text(min(path.parent.glob("*.json")).read_text())  # a good run's text
    path.symlink_to(outside)


KINDS = [
    # bytes and syntax
    raw("empty file", lambda t: ""),
    raw("only whitespace", lambda t: " \n\t\n"),
    raw("truncated", lambda t: t[: len(t) // 2]),
    raw("utf-8 BOM", lambda t: b"\xef\xbb\xbf" + t.encode()),
    raw("utf-16", lambda t: t.encode("utf-16")),
    raw("invalid utf-8 in a subject", lambda t: t.replace("Change number", "Change \xff").encode("latin-1")),
    raw("NUL byte", lambda t: t.replace("{", "{\x00", 1)),
    raw("trailing garbage", lambda t: t + "}"),
    raw("two documents", lambda t: t + t),
    raw("comment", lambda t: "// results\n" + t),
    raw("trailing comma", lambda t: t.replace("\n}", ",\n}", 1)),
    raw("single quotes", lambda t: t.replace('"schema_version"', "'schema_version'")),
    raw("a JSON string, not an object", lambda t: json.dumps(t)),
    raw("a JSON array", lambda t: "[" + t + "]"),
    raw("null", lambda t: "null"),
    # numbers
    raw("NaN sample", lambda t: _sample_text(t, "NaN"), "results[0].samples[0]"),
    raw("Infinity sample", lambda t: _sample_text(t, "Infinity"), "results[0].samples[0]"),
    raw("-Infinity sample", lambda t: _sample_text(t, "-Infinity"), "results[0].samples[0]"),
    raw("1e999 sample", lambda t: _sample_text(t, "1e999"), "results[0].samples[0]"),
    raw("401-digit sample", lambda t: _sample_text(t, "9" * 401), "results[0].samples[0]"),
    raw("5,001-digit sample", lambda t: _sample_text(t, "9" * 5001), "results[0].samples[0]"),
    raw("-401-digit sample", lambda t: _sample_text(t, "-" + "9" * 401), "results[0].samples[0]"),
    raw("5,001-digit decimal", lambda t: _sample_text(t, "0." + "1" * 5001)),  # a float: may pass
    raw("NaN in fingerprint", lambda t: t.replace('"fingerprint": {', '"fingerprint": {"x": NaN,'), "run.fingerprint"),
    raw(
        "5,001-digit integer in fingerprint",
        lambda t: t.replace('"fingerprint": {', '"fingerprint": {"x": ' + "7" * 5001 + ","),
        "run.fingerprint",
    ),
    raw(
        "huge pull request number",
        lambda t: t.replace('"pull_request": null', '"pull_request": ' + "9" * 30),
        "run.pull_request",
    ),
    # nesting
    raw("200,000 [", lambda t: "[" * 200_000),
    raw("200,000 {", lambda t: '{"a":' * 200_000),
    raw(
        "deep nesting in fingerprint",
        lambda t: t.replace('"fingerprint": {', '"fingerprint": {"deep": ' + _nested(5000) + ","),
        "line ",
    ),
    raw(
        "moderate nesting in fingerprint",
        lambda t: t.replace('"fingerprint": {', '"fingerprint": {"deep": ' + _nested(200) + ","),
        "run.fingerprint",
    ),
    raw("deep nesting in a sample", lambda t: _sample_text(t, _nested(100_000)), "line "),
    # text
    raw("lone surrogate in subject", lambda t: t.replace("Change number", "Change \\ud800"), "subject"),
    raw("lone low surrogate in author", lambda t: t.replace('"Ada"', '"A\\udc00da"'), "author"),
    raw("lone surrogate in a parameter", lambda t: t.replace('"10"', '"1\\ud83d"'), "params"),
    raw("lone surrogate in a unit", lambda t: t.replace('"1/s"', '"1/\\udfff"'), "unit"),
    raw("lone surrogate in a failure reason", lambda t: t, None),  # replaced below: needs a failure entry
    # Python's "$" matches before a final newline: "parse\n" would be a look-alike series of "parse".
    content(
        "scenario with a final newline", lambda d: entry(d).update(scenario=entry(d)["scenario"] + "\n"), "scenario"
    ),
    content("metric with a final newline", lambda d: entry(d).update(metric=entry(d)["metric"] + "\n"), "metric"),
    content("commit with a final newline", lambda d: entry(d).update(commit=entry(d)["commit"] + "\n"), "commit"),
    # Values the format's meaning rules out.
    content(
        "interval low above high",
        lambda d: entry(d).update(spread={"kind": "ci95", "low": 5.0, "high": -5.0}),
        "spread",
    ),
    content(
        "a comparison of a commit with itself",
        lambda d: d["run"].update(kind="comparison", base=d["run"]["head"]),
        "run.base",
    ),
    content("finished before it started", lambda d: d["run"].update(finished_at="2020-01-01T00:00:00Z"), "finished_at"),
    content("50 MB subject", lambda d: head(d).update(subject="x" * 50_000_000), "subject"),
    content("1 MB parameter value", lambda d: d["results"][1]["params"].update(body="p" * 1_000_000), "params"),
    content("1 MB unit", lambda d: entry(d).update(unit="u" * 1_000_000), "unit"),
    content("1 MB key in fingerprint", lambda d: d["run"]["fingerprint"].update({"k" * 1_000_000: 1}), "fingerprint"),
    content("100,000 parameters", lambda d: entry(d).update(params={f"p{i}": "v" for i in range(100_000)}), "params"),
    content("65 parameters", lambda d: entry(d).update(params={f"p{i}": "v" for i in range(65)}), "params"),
    # duplicate keys
    raw(
        "duplicate scenario key",
        lambda t: t.replace('"scenario": "parse"', '"scenario": "parse", "scenario": "x"'),
        "results[0]",
    ),
    raw("duplicate run key", lambda t: t.replace('"run": {', '"run": {"id": "zzz",', 1), "run"),
    raw("duplicate top-level key", lambda t: t.replace('"schema_version": 1', '"schema_version": 1, "results": []')),
    raw("duplicate parameter", lambda t: t.replace('"body": "10"', '"body": "10", "body": "11"'), "params"),
    # wrong types and values, field by field
    content("schema_version a string", lambda d: d.update(schema_version="1"), "schema_version"),
    content("schema_version true", lambda d: d.update(schema_version=True), "schema_version"),
    content("schema_version 1.0", lambda d: d.update(schema_version=1.0), "schema_version"),
    content("schema_version 0", lambda d: d.update(schema_version=0), "schema_version"),
    content("run a list", lambda d: d.update(run=[]), "run"),
    content("run.id a number", lambda d: d["run"].update(id=7), "run.id"),
    content("run.id a path", lambda d: d["run"].update(id="../x"), "run.id"),
    content("run.kind unknown", lambda d: d["run"].update(kind="nightly"), "run.kind"),
    content("run.machine with a slash", lambda d: d["run"].update(machine="a/b"), "run.machine"),
    content("started_at not a time", lambda d: d["run"].update(started_at="yesterday")),  # not checked: may pass
    content("finished_at a number", lambda d: d["run"].update(finished_at=5), "run.finished_at"),
    content("tool_version empty", lambda d: d["run"].update(tool_version=""), "run.tool_version"),
    content("head upper case", lambda d: d["run"].update(head=d["run"]["head"].upper()), "run.head"),
    content("base on a commit run", lambda d: d["run"].update(base="0" * 40), "run"),
    content("branch a number", lambda d: d["run"].update(branch=3), "run.branch"),
    content("pull_request 0", lambda d: d["run"].update(pull_request=0), "run.pull_request"),
    content("pull_request a string", lambda d: d["run"].update(pull_request="7"), "run.pull_request"),
    content("pull_request true", lambda d: d["run"].update(pull_request=True), "run.pull_request"),
    content("ci_url a list", lambda d: d["run"].update(ci_url=[]), "run.ci_url"),
    content("fingerprint a list", lambda d: d["run"].update(fingerprint=[]), "run.fingerprint"),
    content("commits empty", lambda d: d.update(commits={}), "commits"),
    content("commit key not a SHA", lambda d: d["commits"].update(nope=head(d)), "commits"),
    content("subject a number", lambda d: head(d).update(subject=1), "subject"),
    content("subject null", lambda d: head(d).update(subject=None), "subject"),
    content("author a list", lambda d: head(d).update(author=["Ada"]), "author"),
    content("author_date a number", lambda d: head(d).update(author_date=0), "author_date"),
    content("committer_date not a time", lambda d: head(d).update(committer_date="soon")),  # may pass
    content("committer_date empty", lambda d: head(d).update(committer_date="")),  # may pass
    content("parents a string", lambda d: head(d).update(parents="abc"), "parents"),
    content("parent not a SHA", lambda d: head(d).update(parents=["abc"]), "parents"),
    content("results an object", lambda d: d.update(results={}), "results"),
    content("result a list", lambda d: d["results"].__setitem__(0, []), "results[0]"),
    content("scenario empty", lambda d: entry(d).update(scenario=""), "results[0].scenario"),
    content("scenario a path", lambda d: entry(d).update(scenario="../../etc"), "results[0].scenario"),
    content("scenario with a space", lambda d: entry(d).update(scenario="a b"), "results[0].scenario"),
    content("metric a number", lambda d: entry(d).update(metric=1), "results[0].metric"),
    content("unit empty", lambda d: entry(d).update(unit=""), "results[0].unit"),
    content("unit a number", lambda d: entry(d).update(unit=1), "results[0].unit"),
    content("direction unknown", lambda d: entry(d).update(direction="up"), "results[0].direction"),
    content("samples empty", lambda d: entry(d).update(samples=[]), "results[0].samples"),
    content("sample a string", lambda d: entry(d).update(samples=["1"]), "results[0].samples[0]"),
    content("sample true", lambda d: entry(d).update(samples=[True]), "results[0].samples[0]"),
    content("sample null", lambda d: entry(d).update(samples=[None]), "results[0].samples[0]"),
    content("sample a list", lambda d: entry(d).update(samples=[[1.0]]), "results[0].samples[0]"),
    content("negative wall time", lambda d: entry(d).update(samples=[-1.0]), "results[0].samples[0]"),
    content("params a list", lambda d: entry(d).update(params=[]), "results[0].params"),
    content("parameter value a number", lambda d: entry(d).update(params={"a": 1}), "results[0].params"),
    content("profiles a string", lambda d: entry(d).update(profiles="x"), "results[0].profiles"),
    content("profile name empty", lambda d: entry(d).update(profiles=[""]), "results[0].profiles"),
    content("profile name a path", lambda d: entry(d).update(profiles=["../../../etc/passwd"]), "results[0].profiles"),
    content("spread missing a bound", lambda d: entry(d).update(spread={"kind": "ci95", "low": 1}), "spread"),
    content("spread bound a string", lambda d: entry(d).update(spread={"kind": "ci95", "low": "1", "high": 2})),
    content("extra key at the root", lambda d: d.update(extra=1), "(root)"),
    content("extra key in a result", lambda d: entry(d).update(extra=1), "results[0]"),
    content("result on another commit", lambda d: entry(d).update(commit="c" * 40), "results[0].commit"),
    content("repeated result", lambda d: d["results"].append(copy.deepcopy(entry(d))), "results[3]"),
    content("head missing from commits", lambda d: d["commits"].clear() or d["commits"].update({"c" * 40: {}})),
    content("failure phase unknown", lambda d: d.update(failures=[_failure(d, phase="later")]), "failures[0].phase"),
    content("failure reason a number", lambda d: d.update(failures=[_failure(d, reason=1)]), "failures[0].reason"),
    content("failure tail 1 MB", lambda d: d.update(failures=[_failure(d, stderr_tail="e" * 1_000_000)]), "failures"),
    content("run id used twice", lambda d: d["run"].update(id="main-1")),
    content("machine not its folder", lambda d: d["run"].update(machine="other"), "run.machine"),
    # not a plain file
    special("FIFO", _mkfifo),
    special("symlink to /dev/zero", lambda p: p.symlink_to("/dev/zero")),
    special("symlink to /dev/null", lambda p: p.symlink_to("/dev/null")),
    special("symlink outside the repository", _outside_file),
    special("dangling symlink", lambda p: p.symlink_to(p.with_name("gone.json"))),
    special("directory named .json", lambda p: p.mkdir()),
    special("file over the size limit", lambda p: p.write_bytes(b" " * (limits.MAX_FILE_BYTES + 1))),
]


def _failure(doc: dict, **over) -> dict:
    failure = {"scenario": "parse", "params": {}, "commit": doc["run"]["head"], "phase": "measure", "reason": "x"}
    return {**failure, **over}


KINDS[KINDS.index(next(k for k in KINDS if k.name == "lone surrogate in a failure reason"))] = content(
    "lone surrogate in a failure reason",
    lambda d: d.update(failures=[_failure(d, reason="\ud800")]),
    "failures[0].reason",
)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> tuple[Path, dict]:
    """A three-run history and the document of one more good run (to make bad ones from)."""
    root = make_project(tmp_path_factory.mktemp("good") / "demo", commits=3, with_pr=False)
    first = sorted((root / "results").rglob("*.json"))[0]
    doc = json.loads(first.read_text().replace(sha(0), NEW_HEAD))  # a commit of its own, so its text is shown
    doc["run"]["id"] = "bad-1"
    return root, doc


def _project(tmp_path: Path, good: tuple[Path, dict]) -> tuple[Path, Path]:
    """A copy of the good history; returns it and the path the bad file goes to."""
    doc = good[1]
    root = make_project(tmp_path / "demo", commits=3, with_pr=False)
    folder = next((root / "results" / MACHINE).iterdir())
    path = folder / f"{doc['run']['head'][:12]}-bad-1.json"
    return root, path


class _Hung(BaseException):  # not Exception: CliRunner would catch it and carry on
    pass


def _alarm(signum, frame):
    raise _Hung


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_check_names_every_bad_file_and_build_succeeds_when_check_passes(tmp_path, good, kind):
    root, path = _project(tmp_path, good)
    kind.make(path, good[1])
    shown = str(path.relative_to(root))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)  # a FIFO or /dev/zero must not hang the suite
    try:
        result = CliRunner().invoke(cli, ["check", "--results", str(root / "results"), "--json"])
        report = check_results(root / "results")
    except _Hung:
        pytest.fail(f"{kind.name}: check hung")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    problems = json.loads(result.stdout)["problems"]
    assert [p["path"] for p in problems] == [p.path for p in report.problems]
    if report.ok:
        assert kind.field is None, f"{kind.name}: check passed a file it must refuse"
        assert result.exit_code == 0
        generate(root / "perfpages.yml", root / "results", mkdocs_settings(root / "mkdocs.yml"))
        return
    assert result.exit_code == 1
    named = [p for p in report.problems if p.path == shown]
    assert named, f"{kind.name}: no problem names {shown}: {report.problems}"
    assert all(len(str(p)) < 1000 for p in report.problems), "a message must not copy a huge value"
    if kind.field is not None:
        assert any(kind.field in p.field for p in named), f"{kind.name}: {named}"
    assert report.runs >= 3, "the good files stay usable"


def test_there_are_more_than_fifty_kinds():
    assert len({k.name for k in KINDS}) == len(KINDS) > 100


def test_a_problem_prints_as_one_line_whatever_the_file_holds(tmp_path, good):
    """A key or file name must not start a CI log line (GitHub's "::error" command) or reach the terminal raw."""
    root, path = _project(tmp_path, good)
    doc = copy.deepcopy(good[1])
    doc["run"]["fingerprint"]["k\n::error title=PWNED::x\u001b[2J"] = 10**30
    _dump(path, doc)
    report = check_results(root / "results")
    (problem,) = [p for p in report.problems if p.path == str(path.relative_to(root))]
    shown = str(problem)
    assert "\n" not in shown and "\x1b" not in shown and "::error" in shown  # kept, but never at a line's start
    done = CliRunner().invoke(cli, ["check", "--results", str(root / "results")])
    assert not any(line.startswith("::") for line in done.output.splitlines())


def test_a_file_with_a_million_bad_values_gets_a_few_lines_not_a_million(tmp_path, good):
    root, path = _project(tmp_path, good)
    text = json.dumps(good[1], indent=1)
    path.write_text(text.replace('"fingerprint": {', '"fingerprint": {"n": [' + ",".join(["NaN"] * 100_000) + "], ", 1))
    named = [p for p in check_results(root / "results").problems if p.path == str(path.relative_to(root))]
    assert len(named) == 21 and "more problems than the first 20" in named[-1].message
    doc = copy.deepcopy(good[1])
    doc["run"]["fingerprint"] = {}
    path.write_text(
        json.dumps(doc).replace(
            '"fingerprint": {}', '"fingerprint": {' + ", ".join(f'"k{i}": 1, "k{i}": 2' for i in range(3000)) + "}"
        )
    )
    (repeated,) = [p for p in check_results(root / "results").problems if p.path == str(path.relative_to(root))]
    assert len(str(repeated)) < 400 and "and 2,995 more" in repeated.message
