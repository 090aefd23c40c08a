"""Judging A/B runs: each PR head's (or compare page's) comparison, as its page needs it.

A comparison uses only its own A/B run plus history up to its base, so it never changes when
later runs land; that is why the build may keep it (site/cache.py) and why worker processes
may compute it, in any order, with the same result.
"""

from __future__ import annotations

import json
import math
import pickle
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Protocol

from perfpages.analysis.comparison import ComparisonReport, Priors, SeriesInput, compare
from perfpages.analysis.priors import PriorRequest, learn_priors
from perfpages.analysis.series import SampleIndex, Series, SeriesKey, comparison_inputs
from perfpages.forked import fork_map
from perfpages.model import CommitInfo, RunRecord, instant, scenario_label
from perfpages.site import urls
from perfpages.site.jsontext import rounded


@dataclass(frozen=True)
class ProfilePair:
    """Callgrind outputs of one scenario's two sides, named inside the A/B run's profiles folder."""

    label: str
    machine: str
    base: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def slug(self) -> str:
        return urls.profile_slug(self.machine, self.label)


@dataclass(frozen=True)
class RunRef:
    """Names one results file without holding its samples: (machine, head commit, run id) is unique."""

    machine: str
    head: str
    run_id: str


@dataclass(frozen=True)
class ReportSummary:
    """What a page says about the whole comparison once its report is cut to the rows it shows."""

    series: int
    machines: tuple[str, ...]
    median_mde: float | None  # the smallest detectable change of the median series
    regressions: int
    improvements: int

    @classmethod
    def of(cls, report: ComparisonReport) -> ReportSummary:
        mdes = sorted(v.mde for v in report.series if v.mde == v.mde)
        return cls(
            len(report.series),
            tuple(sorted({v.series.machine for v in report.series})),
            mdes[len(mdes) // 2] if mdes else None,
            len(report.regressions),
            len(report.improvements),
        )

    @property
    def changed(self) -> int:
        return self.regressions + self.improvements


@dataclass(frozen=True)
class Comparison:
    """One compare or PR page: a verdict per series between two commits."""

    page: str  # docs-relative path of its page
    base: CommitInfo
    head: CommitInfo
    # Cut to the page's rows: its changes (every series is in ``listed``). Read
    # back from the build cache it stays pickled until ``report`` is asked for, which a kept page
    # (site/kept.py) never does: 1,000 PR pages' rows cost ~0.7 s to unpickle.
    kept_report: ComparisonReport | bytes
    summary: ReportSummary
    pull_request: int | None = None
    branch: str | None = None
    ci_url: str | None = None
    measured_at: str = ""  # when the newest A/B run of its base and head finished; orders a PR's heads
    run: RunRef | None = None  # the A/B run that names this page; its profiles folder holds the diffs' inputs
    profiles: tuple[ProfilePair, ...] = ()
    inputs: str = ""  # digest of everything it was computed from (cache.comparison_keys); "" when unknown
    ab_runs: int = 1  # A/B runs of its base and head, on every machine: a re-run pools with the run before
    # Every series of the report, as JSON rows (``listing``): the page lists them all, filterable.
    listed: bytes = b"[]"

    @cached_property
    def report(self) -> ComparisonReport:
        kept = self.kept_report
        return pickle.loads(kept) if isinstance(kept, bytes) else kept

    def packed(self) -> Comparison:
        """This comparison with its report pickled, as the build cache keeps it."""
        return replace(self, kept_report=pickle.dumps(self.report, protocol=pickle.HIGHEST_PROTOCOL))


class ComparisonMemo(Protocol):
    """Comparisons kept from earlier builds (site/cache.py), found by what their A/B run's page
    was computed from."""

    def inputs(self, record: RunRecord) -> str:
        """The digest of what the run's comparison is computed from, or "" when unknown."""
        ...

    def get(self, record: RunRecord) -> Comparison | None: ...

    def put(self, record: RunRecord, comparison: Comparison) -> None: ...


class NoMemo:
    def inputs(self, record: RunRecord) -> str:
        return ""

    def get(self, record: RunRecord) -> Comparison | None:
        return None

    def put(self, record: RunRecord, comparison: Comparison) -> None:
        pass


def run_key(record: RunRecord) -> tuple[str, str]:
    """What names a run among all runs (and its comparison in judge_all's answer)."""
    return (record.machine, record.run_id)


MIN_SHARE = 16  # A/B runs worth a worker process: starting one costs about as much as judging these


def judge_all(
    series: list[Series],
    runs: list[RunRecord],
    floors: dict[str, float],
    ab_runs: list[RunRecord],
    memo: ComparisonMemo,
    workers: int,
    main_order: Sequence[str] = (),
) -> dict[tuple[str, str], Comparison]:
    """Every A/B run's comparison by (machine, run id): kept ones from the memo, the rest judged.

    ``main_order`` (full SHAs, oldest first) lets a base without runs of its own be judged by
    the history up to its nearest measured ancestor."""
    position = {sha: i for i, sha in enumerate(main_order)}
    found = {run_key(r): memo.get(r) for r in ab_runs}
    todo = [r for r in ab_runs if found[run_key(r)] is None]
    workers = max(1, min(workers, len(todo) // MIN_SHARE))
    size = max(1, min(JUDGE_BATCH, -(-len(todo) // workers)))  # every worker gets a batch at least
    batches = [todo[at : at + size] for at in range(0, len(todo), size)]

    def judge(batch: list[RunRecord]) -> list[Comparison]:
        return _judge_batch(series, runs, floors, batch, position)

    judged = [c for done in fork_map(judge, batches, workers) for c in done]
    for record, comparison in zip(todo, judged, strict=True):
        comparison = replace(comparison, inputs=memo.inputs(record))
        memo.put(record, comparison)
        found[run_key(record)] = comparison
    return found


JUDGE_BATCH = 100  # A/B runs indexed and learned for together: vectorised enough, and bounded in memory


def _judge_batch(
    series: list[Series],
    runs: list[RunRecord],
    floors: dict[str, float],
    todo: list[RunRecord],
    position: Mapping[str, int],
):
    """Comparisons of ``todo``, with noise and fences learned for all their bases in one pass."""
    index = SampleIndex.of(
        runs,
        commits={sha for r in todo for sha in (r.base.sha, r.head.sha)},
        pairs={(r.base.sha, r.head.sha) for r in todo},
    )
    by_key = {s.key: s for s in series}
    requests = [
        PriorRequest(by_key[key], r.base.sha)
        for r in todo
        for key, commit in index.sides(r.base.sha, r.head.sha)
        if commit == r.base.sha and key in by_key
    ]
    priors = learn_priors(requests, floors)
    finished: dict[tuple[str, str], list[str]] = defaultdict(list)  # each A/B run's end, by (base, head)
    for r in runs:
        if r.base is not None:
            finished[(r.base.sha, r.head.sha)].append(r.finished_at)

    def lookup(item: SeriesInput, base: str) -> Priors | None:
        return priors.get((SeriesKey(item.machine, item.scenario, item.params, item.metric), base))

    out = []
    for record in todo:
        base, head = record.base.sha, record.head.sha
        inputs = comparison_inputs(series, index, base, head, None, position)
        report = compare(base, head, inputs, floors, lambda item, b=base: lookup(item, b))
        page = urls.pr_page(record.pull_request, head) if record.pull_request else urls.ab_page(base, head)
        out.append(
            Comparison(
                page,
                record.base,
                record.head,
                _page_rows(report),
                ReportSummary.of(report),
                record.pull_request,
                record.branch,
                record.ci_url,
                max(finished[(base, head)], key=instant),
                RunRef(record.machine, record.head.sha, record.run_id),
                profile_pairs(record),
                listed=listing(report),
                ab_runs=len(finished[(base, head)]),
            )
        )
    return out


def _page_rows(report: ComparisonReport) -> ComparisonReport:
    """The report with only the rows a page shows as HTML, its changes, each without its copy of
    the history (pages show how many points it had, ``noise.history_points``); ``listing`` has
    every series. A thousand PRs of hundreds of series kept whole would take gigabytes, and the
    build cache would read them all back."""
    changed = {id(v) for v in report.changed}
    return replace(
        report,
        series=tuple(
            replace(v, series=replace(v.series, history=())) if v.noise is not None and v.series.history else v
            for v in report.series
            if id(v) in changed
        ),
    )


LISTING_COLUMNS = ("label", "metric", "machine", "unit", "direction", "base", "head", "threshold", "verdict")


def listing(report: ComparisonReport) -> bytes:
    """Every series of the report as a JSON list of rows in ``LISTING_COLUMNS`` order: values
    (medians, as the page's table shows) rounded to six digits, the threshold a fraction. About 100
    bytes a series: 40 kB for a PR page of 400 series, where as HTML rows it would be 150 kB."""
    rows = [
        [
            v.series.label,
            v.series.metric,
            v.series.machine,
            v.series.unit,
            v.series.direction.value,
            _number(v.base),
            _number(v.head),
            _number(v.fence.threshold),
            v.verdict.value,
        ]
        for v in report.series
    ]
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity: a value that is neither a number nor finite is null (shown "n/a")."""
    return rounded(value) if value is not None and math.isfinite(value) else None


def profile_pairs(record: RunRecord) -> tuple[ProfilePair, ...]:
    """The scenarios of an A/B run whose callgrind outputs were kept on both sides."""
    sides: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
    for m in record.measurements:
        if m.metric == "instructions" and m.profiles:
            side = "base" if m.commit == record.base.sha else "head"
            sides[scenario_label(m.scenario, m.params)][side] = m.profiles
    return tuple(
        ProfilePair(label, record.machine, found["base"], found["head"])
        for label, found in sorted(sides.items())
        if "base" in found and "head" in found
    )
