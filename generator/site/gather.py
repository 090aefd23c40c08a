"""Everything the site shows, computed once from the validated runs: no I/O.

A PR's comparison (judging.py) uses only its own A/B run plus history up to its base, so its
page never changes when later runs land. Commits on main are judged with hindsight
(analysis/steps.py), so their compare pages can change until a shift is confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial

from perfpages.analysis.environment import fingerprints_by_commit
from perfpages.analysis.history import SeriesHistory, analyse_history, detect_changes
from perfpages.analysis.series import Series, build_series
from perfpages.analysis.steps import Step, main_steps
from perfpages.forked import fork_map
from perfpages.model import CommitInfo, Config, Params, RunRecord, instant, scenario_label
from perfpages.site import urls
from perfpages.site.judging import Comparison, ComparisonMemo, NoMemo, judge_all, run_key
from perfpages.site.variants import VariantSet, variant_sets


@dataclass(frozen=True)
class MainStep:
    """A compare page of two consecutive measured commits on main, judged with hindsight."""

    page: str
    base: CommitInfo
    head: CommitInfo
    step: Step
    position: int  # the head's place in ``Site.commits``: which block of step values holds this step


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
    # (machine, commit) -> the fingerprint of that machine's newest run of that commit on main:
    # what an event's page shows when the machine changed between a shift's two commits.
    fingerprints: Mapping[tuple[str, str], Mapping[str, object]] = field(default_factory=dict)
    # Per commit of ``commits``: how many commits on main since the one before it have no results
    # (the charts show them as gaps); all 0 when commit dates order main (only measured ones known).
    unmeasured: tuple[int, ...] = ()

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
        return frozenset(c.page for c in self.main_steps)

    def compare_page(self, base: str, head: str) -> str | None:
        """The step page of (base, head) on main when the site has one."""
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


def gather(
    config: Config,
    runs: Iterable[RunRecord],
    main_order: list[str],
    memo: ComparisonMemo | None = None,
    workers: int = 1,
    make_series: Callable[[list[RunRecord], list[str]], list[Series]] = build_series,
) -> Site:
    """``memo`` lets A/B comparisons whose inputs are unchanged come from an earlier build;
    ``workers`` > 1 judges the others in that many processes. ``make_series`` is build_series,
    or what the build passes to extend the series of an earlier build (site/kept.py)."""
    runs = sorted(runs, key=lambda r: (instant(r.started_at), r.run_id, r.machine))
    floors = dict(config.project.floors)
    infos = _commit_infos(runs)
    series = make_series(runs, main_order)
    measured = _measured_commits(series, main_order)
    ab_runs = _first_ab_runs(runs)
    # Judged before the histories are analysed: worker processes start with less memory to copy.
    judged = judge_all(series, runs, floors, ab_runs, memo or NoMemo(), workers, main_order)
    groups = _scenario_groups(series, config, workers)
    commits = tuple(infos[sha] for sha in measured)
    specs = {s.name: s.variants for s in config.scenarios if s.variants is not None}
    return Site(
        project_name=config.project.name,
        repository=config.project.repository,
        commits=commits,
        scenarios=groups,
        main_steps=tuple(
            MainStep(urls.compare_page(s.base, s.head), infos[s.base], infos[s.head], s, position)
            for position, s in enumerate(main_steps([h for g in groups for h in g.histories], measured), start=1)
        ),
        pulls=_pull_requests(ab_runs, judged),
        other_comparisons=tuple(judged[run_key(r)] for r in ab_runs if r.pull_request is None),
        variant_sets=tuple(variant_sets(series, specs, commits)),
        fingerprints=fingerprints_by_commit(runs),
        unmeasured=unmeasured_before(measured, main_order),
    )


def _commit_infos(runs: list[RunRecord]) -> dict[str, CommitInfo]:
    infos: dict[str, CommitInfo] = {}
    for record in runs:
        for info in (record.head, record.base):
            if info is not None:
                infos[info.sha] = info
    return infos


def _measured_commits(series: list[Series], main_order: list[str]) -> list[str]:
    have = {c for s in series for c in s.commits}
    return [sha for sha in main_order if sha in have]


def unmeasured_before(measured: list[str], main_order: list[str]) -> tuple[int, ...]:
    """For each measured commit, the commits of main between it and the measured one before it."""
    position = {sha: i for i, sha in enumerate(main_order)}
    at = [position[sha] for sha in measured]
    return tuple(0 if n == 0 else at[n] - at[n - 1] - 1 for n in range(len(at)))


MIN_POINTS_FORKED = 200_000  # points on main worth worker processes for change points and chart data


def long_history_workers(points: int, workers: int) -> int:
    """``workers`` when a history of ``points`` is long enough to be worth forking for, else 1."""
    return workers if points >= MIN_POINTS_FORKED else 1


def _scenario_groups(series: list[Series], config: Config, workers: int) -> tuple[ScenarioGroup, ...]:
    tags = {s.name: s.tags for s in config.scenarios}
    reporting = {f"{s.name}/": s.tags for s in config.scenarios if s.report_format}
    grouped: dict[tuple[str, Params], list[Series]] = defaultdict(list)
    for s in series:
        grouped[(s.key.scenario, s.key.params)].append(s)
    members = {at: sorted(group, key=lambda s: (s.key.metric, s.key.machine)) for at, group in grouped.items()}
    ordered = [s for at in sorted(members) for s in members[at]]
    workers = long_history_workers(sum(len(s) for s in ordered), workers)
    judge = partial(analyse_history, floors=dict(config.project.floors))
    histories = iter(map(judge, ordered, fork_map(detect_changes, ordered, workers)))
    groups = []
    for (name, params), group in sorted(members.items()):
        label = scenario_label(name, params)
        mine = tuple(next(histories) for _ in group)
        own = tags.get(name) or _reported_tags(name, reporting)
        groups.append(ScenarioGroup(label, name, params, urls.slugify(label), tuple(own or ()), mine))
    return tuple(groups)


def _reported_tags(name: str, reporting: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """A benchmark read from a tool's report (series ``<scenario>/<benchmark>``) has its scenario's tags."""
    return next((t for prefix, t in reporting.items() if name.startswith(prefix)), ())


def _first_ab_runs(runs: list[RunRecord]) -> list[RunRecord]:
    """The first A/B run of each PR head (or of each base..head outside PRs) names its page.

    Other machines' runs of the same pair are pooled into that page by the sample index."""
    chosen: dict[tuple, RunRecord] = {}
    for record in runs:
        if record.base is not None:
            key = (record.pull_request, record.head.sha) if record.pull_request else (record.base.sha, record.head.sha)
            chosen.setdefault(key, record)
    return list(chosen.values())


def _pull_requests(ab_runs: list[RunRecord], judged: dict[tuple[str, str], Comparison]) -> tuple[PullRequest, ...]:
    by_number: dict[int, list[Comparison]] = defaultdict(list)
    for record in ab_runs:
        if record.pull_request is not None:
            by_number[record.pull_request].append(judged[run_key(record)])
    return tuple(
        PullRequest(
            number, tuple(sorted(heads, key=lambda c: (instant(c.measured_at) if c.measured_at else 0.0, c.head.sha)))
        )
        for number, heads in sorted(by_number.items(), reverse=True)
    )


def _measured(c: Comparison) -> tuple[float, str]:
    """A PR's heads in the order they were measured, compared as instants."""
    return (instant(c.measured_at) if c.measured_at else 0.0, c.head.sha)
