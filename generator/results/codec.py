"""RunRecord <-> JSON document. Pure: no file access, no validation (see schema.py)."""

from __future__ import annotations

from array import array
from dataclasses import replace
from sys import intern
from typing import Any

from perfpages.model import (
    CommitInfo,
    Direction,
    Failure,
    MeasureKind,
    Measurement,
    MeasurementTable,
    RunRecord,
    Spread,
)

SCHEMA_VERSION = 1


def to_document(record: RunRecord, commits: tuple[CommitInfo, ...]) -> dict[str, Any]:
    """The JSON document for a run. ``commits`` lists every commit a result refers to."""
    return {
        "schema_version": SCHEMA_VERSION,
        "run": {
            "id": record.run_id,
            "kind": record.kind,
            "machine": record.machine,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "tool_version": record.tool_version,
            "head": record.head.sha,
            "base": record.base.sha if record.base else None,
            "branch": record.branch,
            "pull_request": record.pull_request,
            "ci_url": record.ci_url,
            "fingerprint": record.fingerprint,
        },
        "commits": {c.sha: _commit(c) for c in commits},
        "results": [_measurement(m) for m in record.measurements],
        "failures": [_failure(f) for f in record.failures],
    }


def record_commits(record: RunRecord) -> tuple[CommitInfo, ...]:
    return (record.head,) if record.base is None else (record.base, record.head)


def _commit(c: CommitInfo) -> dict[str, Any]:
    return {
        "subject": c.subject,
        "author": c.author,
        "author_date": c.author_date,
        "committer_date": c.committer_date,
        "parents": list(c.parents),
    }


def _measurement(m: Measurement) -> dict[str, Any]:
    doc = {
        "scenario": m.scenario,
        "params": dict(m.params),
        "commit": m.commit,
        "metric": m.metric,
        "unit": m.unit,
        "direction": m.direction.value,
        "samples": list(m.samples),
    }
    if m.profiles:
        doc["profiles"] = list(m.profiles)
    if m.spread is not None:
        doc["spread"] = {"kind": m.spread.kind, "low": m.spread.low, "high": m.spread.high}
    return doc


def _failure(f: Failure) -> dict[str, Any]:
    return {
        "scenario": f.scenario,
        "params": dict(f.params),
        "commit": f.commit,
        "phase": f.phase,
        "reason": f.reason,
        "stderr_tail": f.stderr_tail,
    }


def _params(params: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((intern(k), intern(v)) for k, v in params.items()))


def _spread(doc: dict | None) -> Spread | None:
    return None if doc is None else Spread(doc["kind"], float(doc["low"]), float(doc["high"]))


_KINDS: dict[tuple, MeasureKind] = {}  # one object per kind of result, shared by every run loaded


def _kind(r: dict[str, Any]) -> MeasureKind:
    params = r["params"]
    key = (r["scenario"], tuple(sorted(params.items())) if params else (), r["metric"], r["unit"], r["direction"])
    kind = _KINDS.get(key)
    if kind is None:
        kind = _KINDS[key] = MeasureKind(
            intern(r["scenario"]), _params(params), intern(r["metric"]), intern(r["unit"]), Direction(r["direction"])
        )
    return kind


def adopt(record: RunRecord) -> RunRecord:
    """A record parsed in another process, with this process's shared kind objects."""
    table = record.measurements
    if not isinstance(table, MeasurementTable):
        return record
    mine: dict[int, MeasureKind] = {}
    for k in table.kinds:
        if id(k) not in mine:
            mine[id(k)] = _KINDS.setdefault((k.scenario, k.params, k.metric, k.unit, k.direction.value), k)
    kinds = tuple(mine[id(k)] for k in table.kinds)
    return replace(record, measurements=MeasurementTable(kinds, table.commits, table.flat, table.ends, table.extras))


def _table(results: list[dict[str, Any]]) -> MeasurementTable:
    extras = {
        i: (tuple(r.get("profiles", ())), _spread(r.get("spread")))
        for i, r in enumerate(results)
        if "profiles" in r or r.get("spread") is not None
    }
    flat, ends = array("d"), array("q")
    for r in results:
        flat.extend(r["samples"])  # the schema allows only numbers; the array makes each a double
        ends.append(len(flat))
    return MeasurementTable(
        tuple(_kind(r) for r in results), tuple(intern(r["commit"]) for r in results), flat, ends, extras
    )


def from_document(doc: dict[str, Any]) -> RunRecord:
    """Build a RunRecord from a document that schema.validate accepted.

    Names and SHAs repeat in every entry of every file; interning keeps one copy of each,
    which is most of the memory a long history takes once loaded."""
    run, commits = doc["run"], doc["commits"]

    def commit(sha: str) -> CommitInfo:
        c = commits[sha]
        return CommitInfo(sha, c["subject"], c["author"], c["author_date"], c["committer_date"], tuple(c["parents"]))

    return RunRecord(
        run_id=run["id"],
        machine=run["machine"],
        head=commit(run["head"]),
        base=commit(run["base"]) if run["base"] else None,
        started_at=run["started_at"],
        finished_at=run["finished_at"],
        tool_version=run["tool_version"],
        fingerprint=run["fingerprint"],
        branch=run.get("branch"),
        pull_request=run.get("pull_request"),
        ci_url=run.get("ci_url"),
        measurements=_table(doc["results"]),
        failures=tuple(
            Failure(
                scenario=f["scenario"],
                commit=f["commit"],
                phase=f["phase"],
                reason=f["reason"],
                params=tuple(sorted(f["params"].items())),
                stderr_tail=f.get("stderr_tail", ""),
            )
            for f in doc.get("failures", ())
        ),
    )
