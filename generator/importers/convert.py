"""Source runs -> ordinary results files, one per run, written once.

Re-importing the same input adds nothing: a run's id is a hash of its source identity,
the commit it measured and its machine, so it is unique per (source run, commit, machine)
while the same input for the same commit gives the same file, and an existing file is
never rewritten. Commit metadata comes from
the source when it has it, else from ``--commit`` looked up in the local repository.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from perfpages.importers.base import Point, Problem, SourceRun, machine_name
from perfpages.model import CommitInfo, Failure, Measurement, RunRecord

EPOCH = "1970-01-01T00:00:00Z"  # a run with no time at all still needs one; it never decides an order


@dataclass(frozen=True)
class ImportOptions:
    format: str
    machine: str | None = None  # overrides what the source says
    commit: CommitInfo | None = None  # for sources that do not say which commit they measured


CommitLookup = Callable[[str], CommitInfo | None]  # fills in subject and dates for a bare SHA, if it can


def to_record(run: SourceRun, options: ImportOptions, lookup: CommitLookup) -> RunRecord | Problem:
    commit = _commit(run, options, lookup)
    if commit is None:
        return Problem(run.identity, "(commit)", "this format does not say which commit it measured; pass --commit")
    machine = machine_name(options.machine or run.machine or "imported")
    started = run.started_at or commit.committer_date or EPOCH
    return RunRecord(
        run_id=run_id(options.format, run.identity, commit.sha, machine),
        machine=machine,
        head=commit,
        started_at=started,
        finished_at=started,
        # The source tool, not perfpages' version: it is part of a series' environment, and an
        # upgrade of perfpages must not split an imported history in two.
        tool_version=f"import:{options.format}",
        fingerprint=run.fingerprint,
        measurements=tuple(
            Measurement(
                scenario=p.scenario,
                metric=p.metric,
                unit=p.unit,
                direction=p.direction,
                commit=commit.sha,
                samples=p.samples,
                params=p.params,
                spread=p.spread if p.spread and math.isfinite(p.spread.low + p.spread.high) else None,
            )
            for p in _merged(run.points)
        ),
        # What the source tool reported as failed is kept as failures, never as samples.
        failures=tuple(Failure(f.scenario, commit.sha, "measure", f.reason, f.params) for f in run.failures),
    )


def run_id(fmt: str, identity: str, commit: str, machine: str) -> str:
    """``imp-`` and 16 hex digits. Deterministic tools (sizes, instruction counts) give identical
    bytes on many commits, so the commit and the machine are part of what is hashed."""
    digest = hashlib.sha1(f"{fmt}\n{identity}\n{commit}\n{machine}".encode()).hexdigest()[:16]
    return f"imp-{digest}"


def legacy_run_id(fmt: str, identity: str) -> str:
    """The id imports before the commit and machine were hashed gave: re-importing an input
    imported then must still say "already imported", not write it a second time."""
    digest = hashlib.sha1(f"{fmt}\n{identity}".encode()).hexdigest()[:16]
    return f"imp-{digest}"


def _merged(points: tuple[Point, ...]) -> list[Point]:
    """One point per (scenario, params, metric): a source that lists a benchmark twice in one run
    (swc's history does) gives it two samples, not two entries the results format would refuse."""
    merged: dict[tuple, Point] = {}
    for p in points:
        params = tuple(sorted(p.params))
        key = (p.scenario, params, p.metric)
        if key in merged:
            first = merged[key]
            merged[key] = replace(first, samples=first.samples + p.samples, spread=None)
        else:
            merged[key] = p if params == p.params else replace(p, params=params)  # replace costs: 400k points
    return list(merged.values())


def _commit(run: SourceRun, options: ImportOptions, lookup: CommitLookup) -> CommitInfo | None:
    if run.commit is None:
        return options.commit
    if run.commit.subject:
        return run.commit
    # Sources such as asv keep only the SHA and a date: the local repository may know the rest.
    found = lookup(run.commit.sha)
    return found or run.commit
