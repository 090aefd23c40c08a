"""Everything the site shows, computed once from the validated runs: no I/O (the comparison memo is
the build's, and worker processes, when asked for, compute exactly what one process would).

A PR's comparison uses only its own A/B run plus history up to its base, so its page
never changes when later runs land. Commits on main are judged with hindsight
(analysis/steps.py), so their compare pages can change until a shift is confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property
from multiprocessing import get_context
from typing import Protocol

from generator.analysis.comparison import ComparisonReport, Priors, SeriesInput, compare
from generator.analysis.history import SeriesHistory, analyse_history
from generator.analysis.priors import PriorRequest, learn_priors
from generator.analysis.series import SampleIndex, Series, SeriesKey, build_series, comparison_inputs
from generator.analysis.steps import Step, main_steps
from generator.model import CommitInfo, Config, Params, RunRecord, scenario_label
from generator.site import urls
from generator.site.variants import VariantSet, variant_sets


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


# Unchanged series a comparison page lists: every PR page listing every series would grow the site
# with series x PRs; the rest are on the scenario pages.
OTHERS_SHOWN = 30


@dataclass(frozen=True)
class ReportSummary:
    """What a page says about the whole comparison once its report is cut to the rows it shows."""

    series: int
    machines: tuple[str, ...]
    median_mde: float | None  # the smallest detectable change of the median series

    @classmethod
    def of(cls, report: ComparisonReport) -> ReportSummary:
        mdes = sorted(v.mde for v in report.series if v.mde == v.mde)
        return cls(
            len(report.series),
            tuple(sorted({v.series.machine for v in report.series})),
            mdes[len(mdes) // 2] if mdes else None,
        )


@dataclass(frozen=True)
class Comparison:
    """One compare or PR page: a verdict per series between two commits."""

    page: str  # docs-relative path of its page
    base: CommitInfo
    head: CommitInfo
    report: ComparisonReport  # cut to the page's rows: every change and the OTHERS_SHOWN largest other differences
    summary: ReportSummary
    pull_request: int | None = None
    branch: str | None = None
    ci_url: str | None = None
    measured_at: str = ""  # when the A/B run finished; orders a PR's heads
    run: RunRef | None = None  # the A/B run that names this page; its profiles folder holds the diffs' inputs
    profiles: tuple[ProfilePair, ...] = ()


@dataclass(frozen=True)
class MainStep:
    """A compare page of two consecutive measured commits on main, judged with hindsight."""

    page: str
    base: CommitInfo
    head: CommitInfo
    step: Step


@dataclass(frozen=True)
class PullRequest:
    number: int
    heads: tuple[Comparison, ...]  # oldest first

    @property
    def latest(self) -> Comparison:
        return self.heads[-1]


@dataclass(frozen=True)
class ScenarioGroup:
    """One scenario page: every metric and machine of one scenario with its parameters."""

    label: str
    name: str
    params: Params
    slug: str
    tags: tuple[str, ...]
    histories: tuple[SeriesHistory, ...]


@dataclass(frozen=True)
class Site:
    project_name: str
    repository: str | None
    commits: tuple[CommitInfo, ...]  # commits on main that have results, oldest first
    scenarios: tuple[ScenarioGroup, ...]
    main_steps: tuple[MainStep, ...]  # each measured commit on main against the previous one
    pulls: tuple[PullRequest, ...]
    other_comparisons: tuple[Comparison, ...]  # A/B runs outside any PR
    variant_sets: tuple[VariantSet, ...] = ()

    @cached_property
    def histories(self) -> tuple[SeriesHistory, ...]:
        return tuple(h for g in self.scenarios for h in g.histories)

    @cached_property
    def commit_index(self) -> dict[str, int]:
        """Position of each measured commit: the x of every chart point."""
        return {c.sha: i for i, c in enumerate(self.commits)}

    @property
    def ab_comparisons(self) -> tuple[Comparison, ...]:
        """Every page of an interleaved A/B run: outside PRs, then each PR's heads."""
        return (*self.other_comparisons, *(c for pr in self.pulls for c in pr.heads))

    @cached_property
    def compare_pages(self) -> frozenset[str]:
        return frozenset(c.page for c in (*self.main_steps, *self.other_comparisons))

    def compare_page(self, base: str, head: str) -> str | None:
        """The compare page of (base, head) when the site has one."""
        page = urls.compare_page(base, head)
        return page if page in self.compare_pages else None

    @cached_property
    def slugs(self) -> frozenset[str]:
        return frozenset(g.slug for g in self.scenarios)

    def variant_page(self, scenario: str) -> str | None:
        """The variants page of a scenario, when it has one."""
        found = [v for v in self.variant_sets if v.name == scenario]
        return urls.variants_page(found[0].slug) if found else None

    @property
    def machines(self) -> tuple[str, ...]:
        return tuple(sorted({h.series.key.machine for h in self.histories}))


class ComparisonMemo(Protocol):
    """Comparisons kept from earlier builds (site/cache.py), found by what their A/B run's page
    was computed from."""

    def get(self, record: RunRecord) -> Comparison | None: ...

    def put(self, record: RunRecord, comparison: Comparison) -> None: ...


class _NoMemo:
    def get(self, record: RunRecord) -> Comparison | None:
        return None

    def put(self, record: RunRecord, comparison: Comparison) -> None:
        pass


def gather(
    config: Config,
    runs: Iterable[RunRecord],
    main_order: list[str],
    memo: ComparisonMemo | None = None,
    workers: int = 1,
) -> Site:
    """``memo`` lets A/B comparisons whose inputs are unchanged come from an earlier build;
    ``workers`` > 1 judges the others in that many processes."""
    runs = sorted(runs, key=lambda r: (r.started_at, r.run_id, r.machine))
    floors = dict(config.project.floors)
    infos = _commit_infos(runs)
    series = build_series(runs, main_order)
    measured = _measured_commits(series, main_order)
    ab_runs = _first_ab_runs(runs)
    # Judged before the histories are analysed: worker processes start with less memory to copy.
    judged = _comparisons(series, runs, floors, ab_runs, memo or _NoMemo(), workers)
    groups = _scenario_groups(series, config)
    commits = tuple(infos[sha] for sha in measured)
    specs = {s.name: s.variants for s in config.scenarios if s.variants is not None}
    return Site(
        project_name=config.project.name,
        repository=config.project.repository,
        commits=commits,
        scenarios=groups,
        main_steps=tuple(
            MainStep(urls.compare_page(s.base, s.head), infos[s.base], infos[s.head], s)
            for s in main_steps([h for g in groups for h in g.histories], measured)
        ),
        pulls=_pull_requests(ab_runs, judged),
        other_comparisons=tuple(judged[_ref(r)] for r in ab_runs if r.pull_request is None),
        variant_sets=tuple(variant_sets(series, specs, commits)),
    )


def _commit_infos(runs: list[RunRecord]) -> dict[str, CommitInfo]:
    infos: dict[str, CommitInfo] = {}
    for record in runs:
        for info in (record.head, record.base):
            if info is not None:
                infos[info.sha] = info
    return infos


def _measured_commits(series: list[Series], main_order: list[str]) -> list[str]:
    have = {p.commit for s in series for p in s.points}
    return [sha for sha in main_order if sha in have]


def _scenario_groups(series: list[Series], config: Config) -> tuple[ScenarioGroup, ...]:
    tags = {s.name: s.tags for s in config.scenarios}
    grouped: dict[tuple[str, Params], list[Series]] = defaultdict(list)
    for s in series:
        grouped[(s.key.scenario, s.key.params)].append(s)
    groups = []
    for (name, params), members in sorted(grouped.items()):
        label = scenario_label(name, params)
        histories = tuple(analyse_history(s) for s in sorted(members, key=lambda s: (s.key.metric, s.key.machine)))
        groups.append(ScenarioGroup(label, name, params, urls.slugify(label), tuple(tags.get(name, ())), histories))
    return tuple(groups)


def _first_ab_runs(runs: list[RunRecord]) -> list[RunRecord]:
    """The first A/B run of each PR head (or of each base..head outside PRs) names its page.

    Other machines' runs of the same pair are pooled into that page by the sample index."""
    chosen: dict[tuple, RunRecord] = {}
    for record in runs:
        if record.base is not None:
            key = (record.pull_request, record.head.sha) if record.pull_request else (record.base.sha, record.head.sha)
            chosen.setdefault(key, record)
    return list(chosen.values())


def _ref(record: RunRecord) -> tuple[str, str]:
    return (record.machine, record.run_id)


MIN_SHARE = 16  # A/B runs worth a worker process: starting one costs about as much as judging these


def _comparisons(
    series: list[Series],
    runs: list[RunRecord],
    floors: dict[str, float],
    ab_runs: list[RunRecord],
    memo: ComparisonMemo,
    workers: int,
) -> dict[tuple[str, str], Comparison]:
    """Every A/B run's comparison by (machine, run id): kept ones from the memo, the rest judged."""
    found = {_ref(r): memo.get(r) for r in ab_runs}
    todo = [r for r in ab_runs if found[_ref(r)] is None]
    workers = max(1, min(workers, len(todo) // MIN_SHARE))
    judged = (
        _judge_in_processes(series, runs, floors, todo, workers) if workers > 1 else _judge(series, runs, floors, todo)
    )
    for record, comparison in zip(todo, judged, strict=True):
        memo.put(record, comparison)
        found[_ref(record)] = comparison
    return found


JUDGE_BATCH = 100  # A/B runs indexed and learned for together: vectorised enough, and bounded in memory


def _judge(series: list[Series], runs: list[RunRecord], floors: dict[str, float], todo: list[RunRecord]):
    """Comparisons of ``todo``, a batch at a time."""
    return [
        c
        for at in range(0, len(todo), JUDGE_BATCH)
        for c in _judge_batch(series, runs, floors, todo[at : at + JUDGE_BATCH])
    ]


def _judge_batch(series: list[Series], runs: list[RunRecord], floors: dict[str, float], todo: list[RunRecord]):
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

    def lookup(item: SeriesInput, base: str) -> Priors | None:
        return priors.get((SeriesKey(item.machine, item.scenario, item.params, item.metric), base))

    out = []
    for record in todo:
        base, head = record.base.sha, record.head.sha
        inputs = comparison_inputs(series, index, base, head)
        report = compare(base, head, inputs, floors, lambda item, b=base: lookup(item, b))
        page = urls.pr_page(record.pull_request, head) if record.pull_request else urls.compare_page(base, head)
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
                record.finished_at,
                RunRef(record.machine, record.head.sha, record.run_id),
                profile_pairs(record),
            )
        )
    return out


_SHARED: tuple = ()  # what forked workers judge from: set just before they start, inherited, never sent


def _judge_in_processes(series, runs, floors, todo: list[RunRecord], workers: int) -> list[Comparison]:
    """Judge ``todo`` in forked processes, each a share of the runs; the series and runs are
    inherited rather than sent, and only the (page-sized) comparisons come back."""
    global _SHARED
    shares = [list(range(i, len(todo), workers)) for i in range(workers)]
    _SHARED = (series, runs, floors, todo)
    try:
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            results = list(pool.map(_judge_share, shares))
    finally:
        _SHARED = ()
    out: list[Comparison | None] = [None] * len(todo)
    for share, comparisons in zip(shares, results, strict=True):
        for i, comparison in zip(share, comparisons, strict=True):
            out[i] = comparison
    return out


def _judge_share(share: list[int]) -> list[Comparison]:
    series, runs, floors, todo = _SHARED
    return _judge(series, runs, floors, [todo[i] for i in share])


def _page_rows(report: ComparisonReport) -> ComparisonReport:
    """The report with only the rows a page shows, each without its copy of the history (pages
    show how many points it had, ``noise.history_points``). A thousand PRs of hundreds of series
    kept whole would take gigabytes, and the build cache would read them all back."""
    changed = {id(v) for v in report.changed}
    others = sorted((v for v in report.series if id(v) not in changed), key=lambda v: -abs(v.change or 0))
    kept = changed | {id(v) for v in others[:OTHERS_SHOWN]}
    return replace(
        report,
        series=tuple(
            replace(v, series=replace(v.series, history=())) if v.noise is not None and v.series.history else v
            for v in report.series
            if id(v) in kept
        ),
    )


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


def _pull_requests(ab_runs: list[RunRecord], judged: dict[tuple[str, str], Comparison]) -> tuple[PullRequest, ...]:
    by_number: dict[int, list[Comparison]] = defaultdict(list)
    for record in ab_runs:
        if record.pull_request is not None:
            by_number[record.pull_request].append(judged[_ref(record)])
    return tuple(
        PullRequest(number, tuple(sorted(heads, key=lambda c: (c.measured_at, c.head.sha))))
        for number, heads in sorted(by_number.items(), reverse=True)
    )
