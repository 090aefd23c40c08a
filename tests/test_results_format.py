"""The results format: round trip, atomic append-only writes, and every bad input check must catch."""

import json
from pathlib import Path

import pytest

from perfpages.errors import PerfpagesError
from perfpages.results.check import check_results
from perfpages.results.codec import SCHEMA_VERSION, from_document, record_commits, to_document
from perfpages.results.store import iter_result_files, load_run, run_path, write_run
from tests.conftest import SHA_A, make_record


def test_round_trip_keeps_every_field(tmp_path):
    record = make_record(pull_request=7, branch="main", ci_url="https://ci/1")
    path = write_run(tmp_path, record)
    assert path == tmp_path / "bench-1" / "2026-11" / f"{SHA_A[:12]}-r1.json"
    loaded, problems = load_run(path)
    assert problems == []
    assert loaded.record == record


def test_layout_uses_commit_month_and_full_shas(tmp_path):
    doc = json.loads(write_run(tmp_path, make_record()).read_text())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["run"]["head"] == SHA_A and len(doc["run"]["head"]) == 40
    assert doc["results"][0]["samples"] == [0.5, 0.51, 0.49]  # raw samples, not a summary
    assert doc["results"][1]["direction"] == "higher"


def test_existing_file_is_never_overwritten(tmp_path):
    path = write_run(tmp_path, make_record())
    before = path.read_bytes()
    with pytest.raises(PerfpagesError, match="never overwritten"):
        write_run(tmp_path, make_record(fingerprint={"other": True}))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


def test_profiles_move_beside_the_results_file(tmp_path):
    profiles = tmp_path / "tmp-profiles"
    profiles.mkdir()
    (profiles / "parse.head.callgrind.gz").write_bytes(b"x")
    path = write_run(tmp_path / "results", make_record(), profiles)
    assert (path.with_suffix(".profiles") / "parse.head.callgrind.gz").read_bytes() == b"x"
    assert list(iter_result_files(tmp_path / "results")) == [path]


def write_doc(root: Path, doc: dict, name: str | None = None) -> Path:
    folder = root / doc["run"]["machine"] / "2026-11"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{doc['run']['head'][:12]}-{doc['run']['id']}.json")
    path.write_text(json.dumps(doc))
    return path


def good_doc(**run_over) -> dict:
    record = make_record()
    doc = to_document(record, record_commits(record))
    doc["run"].update(run_over)
    return doc


def problems_of(tmp_path: Path, mutate=None, raw: str | None = None) -> list[str]:
    root = tmp_path / "results"
    doc = good_doc()
    if mutate:
        mutate(doc)
    path = write_doc(root, doc)
    if raw is not None:
        path.write_text(raw)
    report = check_results(root)
    assert not report.ok
    return [str(p) for p in report.problems]


def test_clean_folder_checks_ok_with_counts(tmp_path):
    root = tmp_path / "results"
    write_doc(root, good_doc())
    write_doc(root, good_doc(id="r2"))  # same commit again: more runs, same points
    report = check_results(root)
    assert report.ok and report.to_json() == {"runs": 2, "series": 2, "points": 2, "left_out": 0, "problems": []}


def test_truncated_json_names_file_line_and_says_how_to_fix(tmp_path):
    text = json.dumps(good_doc(), indent=2)
    (problem,) = problems_of(tmp_path, raw=text[: len(text) // 2])
    assert problem.startswith(f"results/bench-1/2026-11/{SHA_A[:12]}-r1.json: line ")
    assert "invalid JSON" in problem and "git checkout" in problem


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (lambda d: d["results"][0].update(samples=["fast"]), "results[0].samples[0]", "is not of type 'number'"),
        (lambda d: d["results"][0].update(samples=[]), "results[0].samples", "should be non-empty"),
        (lambda d: d["results"][0].update(samples=[0.5, -0.1]), "results[0].samples[1]", "negative"),
        (lambda d: d["results"][1].update(direction="up"), "results[1].direction", "is not one of"),
        (lambda d: d["run"].update(head="abc"), "run.head", "does not match"),
        (lambda d: d.update(schema_version=SCHEMA_VERSION + 1), "schema_version", "upgrade perfpages"),
        (lambda d: d.pop("schema_version"), "schema_version", "missing or not an integer"),
        (lambda d: d["run"].update(kind="comparison"), "run.kind", "needs run.base"),
        (lambda d: d["results"][0].update(commit="c" * 40), "results[0].commit", "head or base"),
        (lambda d: d["results"].append(dict(d["results"][0])), "results[2]", "repeats results[0]"),
        (lambda d: d.update(extra=1), "(root)", "Additional properties are not allowed"),
    ],
)
def test_bad_content_is_reported_with_field(tmp_path, mutate, field, message):
    problems = problems_of(tmp_path, mutate)
    assert any(f": {field}: " in p and message in p for p in problems), problems


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(tmp_path, token):
    text = json.dumps(good_doc()).replace("0.51", token)
    (problem,) = problems_of(tmp_path, raw=text)
    assert f"results[0].samples[1]: {token} is not a number JSON allows" in problem


@pytest.mark.parametrize("token", ["1e999", "-2.5E+400"])
def test_numbers_too_large_for_a_float_are_refused(tmp_path, token):
    text = json.dumps(good_doc()).replace("0.51", token)
    (problem,) = problems_of(tmp_path, raw=text)
    assert "results[0].samples[1]: number out of range" in problem


def test_duplicate_run_ids_and_misplaced_files_are_reported(tmp_path):
    root = tmp_path / "results"
    write_doc(root, good_doc())
    other = good_doc(head="b" * 40)
    other["commits"] = {"b" * 40: other["commits"][SHA_A]}
    for r in other["results"]:
        r["commit"] = "b" * 40
    write_doc(root, other)
    misplaced = good_doc(id="r3")
    write_doc(root, misplaced, name="renamed.json")
    report = check_results(root)
    messages = [str(p) for p in report.problems]
    assert any("run id 'r1' on 'bench-1' is also used by" in m for m in messages)
    assert any("renamed.json: run.id: file name should be" in m for m in messages)


def test_collects_all_problems_across_files(tmp_path):
    root = tmp_path / "results"
    for run_id in ("r1", "r2", "r3"):
        path = write_doc(root, good_doc(id=run_id))
        path.write_text("{")
    assert len(check_results(root).problems) == 3


def test_missing_folder_is_a_problem_not_a_crash(tmp_path):
    report = check_results(tmp_path / "nope")
    assert not report.ok and "run `perfpages run` first" in str(report.problems[0])


def test_temp_files_of_an_unfinished_write_are_reported_not_read(tmp_path):
    root = tmp_path / "results"
    path = write_doc(root, good_doc())
    (path.parent / f".{path.name}.x.tmp").write_text("{")
    report = check_results(root)
    assert report.runs == 1 and not report.ok
    (problem,) = report.problems
    assert problem.path.endswith(f".{path.name}.x.tmp") and "run killed while writing" in problem.message


def test_codec_rejects_nothing_it_wrote(tmp_path):
    record = make_record(base=make_record().head.__class__(sha="b" * 40), head=make_record().head)
    doc = to_document(record, record_commits(record))
    assert from_document(json.loads(json.dumps(doc))).base.sha == "b" * 40
    assert run_path(tmp_path, record).name.startswith(SHA_A[:12])


def test_samples_are_written_on_one_line_and_parse_back_exactly():
    from perfpages.results.store import dumps

    doc = {"samples": [0.5, -1e-07, 12345678901, 2.5e20], "nested": {"x": [1]}, "names": ["a", "b"]}
    text = dumps(doc)
    assert '"samples": [0.5, -1e-07, 12345678901, 2.5e+20]' in text
    assert '"x": [1]' in text and '"names": [\n' in text  # only arrays of numbers are folded
    assert json.loads(text) == doc


def test_the_compiled_entry_check_agrees_with_the_json_schema_on_mutated_entries():
    import copy
    import random

    from perfpages.results.fastcheck import entry_check
    from perfpages.results.schema import _validator

    schema = _validator().schema
    check = entry_check(schema)
    item_schema = {"$defs": schema["$defs"], **schema["properties"]["results"]["items"]}
    from jsonschema import Draft202012Validator

    reference = Draft202012Validator(item_schema)
    good = {
        "scenario": "parse",
        "params": {"size": "10"},
        "commit": "a" * 40,
        "metric": "wall_time",
        "unit": "s",
        "direction": "lower",
        "samples": [0.5, 1, 2e-3],
        "profiles": ["x.gz"],
        "spread": {"kind": "ci99", "low": 0.4, "high": 2},
    }
    odd_values = [
        {"kind": "stddev", "low": 1, "high": 2.5},
        {"kind": "median", "low": 1, "high": 2},
        {"kind": "ci99", "low": "1", "high": 2},
        {"kind": "ci99", "low": True, "high": 2},
        {"kind": "ci99", "low": 1},
        {"kind": "ci99", "low": 1, "high": 2, "n": 3},
        None,
        True,
        1,
        1.5,
        "",
        "x",
        "A" * 40,
        "a" * 40,
        "-bad",
        [],
        [1],
        ["s"],
        {},
        {"k": 1},
        {"k": "v"},
        "higher",
        "lower",
        [True],
        [float("1e308")],
        ["x", ""],
        ["../x"],
        ["p/x.gz"],
        [".."],
        {f"k{i}": "v" for i in range(64)},
        {f"k{i}": "v" for i in range(65)},
    ]
    rng = random.Random(0)
    disagreements, rejected = [], 0
    for _ in range(3000):
        entry = copy.deepcopy(good)
        for _ in range(rng.randint(1, 2)):
            action = rng.random()
            key = rng.choice([*good, "extra"])
            if action < 0.2:
                entry.pop(key, None)
            else:
                entry[key] = copy.deepcopy(rng.choice(odd_values))
        expected = reference.is_valid(entry)
        rejected += not expected
        if check(entry) != expected:
            disagreements.append(entry)
    assert check(good) and reference.is_valid(good)
    assert rejected > 1000  # the mutations do reach invalid entries
    assert disagreements == []


@pytest.mark.parametrize(
    ("folder", "said"),
    [
        ("bench-1", "not in its machine's folder: it belongs in results/bench-1/2026-11/"),
        ("bench-1/2026-11/sub", "not in its machine's folder: it belongs in results/bench-1/2026-11/"),
        (
            "bench-1/not-a-month",
            "the folder 'not-a-month' is not a month (YYYY-MM); move it to results/bench-1/2026-11/",
        ),
    ],
)
def test_a_file_out_of_place_is_told_where_it_belongs(tmp_path, folder, said):
    root = tmp_path / "results"
    doc = good_doc()
    path = root / folder / f"{doc['run']['head'][:12]}-{doc['run']['id']}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc))
    assert any(said in str(p) for p in check_results(root).problems), check_results(root).problems
