"""Render a gathered ``Site`` into files, in memory: docs-relative path -> bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Protocol

from perfpages.analysis.profiles import ProfileDiff, diff_text
from perfpages.analysis.series import SeriesKey
from perfpages.analysis.steps import StepChange
from perfpages.forked import fork_map
from perfpages.site import urls
from perfpages.site.assets import static_files
from perfpages.site.changes import atom_feed, changes_document, changes_page, series_document
from perfpages.site.charts import (
    TrendText,
    commits_document,
    samples_document,
    scenario_chart,
    step_samples_document,
)
from perfpages.site.comparisons import (
    comparison_page,
    listing_document,
    lists_others,
    pr_index_page,
    pr_list_page,
    step_page,
)
from perfpages.site.gather import MainStep, Site, long_history_workers
from perfpages.site.jsontext import dumps
from perfpages.site.judging import Comparison
from perfpages.site.overview import overview_page
from perfpages.site.point import series_point_page
from perfpages.site.profiles import profile_page, profile_title
from perfpages.site.scenario import scenario_page
from perfpages.site.stepvalues import step_value_files
from perfpages.site.variants import variants_document, variants_page


def render_site(
    site: Site,
    floors: dict[str, float],
    directory_urls: bool = True,
    profiles: dict[str, ProfileDiff] | None = None,
    workers: int = 1,
    memo: RenderMemo | None = None,
    site_url: str | None = None,
) -> dict[str, bytes]:
    """``profiles``: profile diffs by their page path (urls.profile_page), read by the build's I/O edge.
    ``site_url``: where the site is published, when known (the Atom feed's self link).
    ``workers`` > 1 writes the scenarios' chart data (most of a long history's bytes) in that many processes.
    ``memo`` keeps compare and PR pages and the series' trend columns between builds."""
    files: dict[str, bytes] = {}
    profiles = profiles or {}

    def page(path: str, render) -> None:
        files[path] = render(urls.Links(path, directory_urls)).encode()

    page(urls.OVERVIEW, lambda links: overview_page(site, links))
    page(urls.CHANGES, lambda links: changes_page(site, links))
    page(urls.PR_INDEX, lambda links: pr_list_page(site, links))
    page(urls.SERIES_POINT, series_point_page)
    files[urls.ATOM] = atom_feed(site, urls.Links(urls.ATOM, directory_urls), site_url)
    files[urls.COMMITS_JSON] = dumps(commits_document(site))
    files[urls.SERIES_JSON] = dumps(series_document(site))
    files[urls.CHANGES_JSON] = dumps(changes_document(site))
    memo = memo or NoMemo()
    workers = long_history_workers(sum(len(h.series) for h in site.histories), workers)
    kept = memo.trends()
    charts = fork_map(lambda g: scenario_chart(site, g, floors, kept), site.scenarios, workers)
    trends = {}
    for group, (chart, texts) in zip(site.scenarios, charts, strict=True):
        page(urls.scenario_page(group.slug), lambda links, g=group: scenario_page(site, g, links))
        files[urls.scenario_data(group.slug)] = chart
        trends.update(zip((h.series.key for h in group.histories), texts, strict=True))
    memo.keep_trends(trends)
    trend_slugs = {g.label: g.slug for g in site.scenarios}
    for vs in site.variant_sets:
        page(urls.variants_page(vs.slug), lambda links, v=vs: variants_page(v, links, trend_slugs))
        files[urls.variants_data(vs.slug)] = dumps(variants_document(vs))
    for pr in site.pulls:
        page(urls.pr_index(pr.number), lambda links, p=pr: pr_index_page(site, p, links))
    context = _render_context(site, directory_urls)
    files.update(step_value_files(site, lambda key, render: _kept(memo, key, render)))
    for step in site.main_steps:
        render = lambda s=step: _step_files(site, s, directory_urls)  # noqa: E731
        files.update(_kept(memo, f"{_step_inputs(step)} {context}", render))
    for comparison in site.ab_comparisons:
        render = lambda c=comparison: _comparison_files(site, c, profiles, directory_urls)  # noqa: E731
        files.update(_kept(memo, _comparison_key(comparison, profiles, context), render))
        for pair in comparison.profiles:
            path = urls.profile_page(comparison.page, pair.slug)
            if path in profiles:
                diff = profiles[path]
                page(path, lambda links, c=comparison, p=pair, d=diff: profile_page(c, p, d, links))
                text = diff_text(diff, profile_title(comparison, pair))
                files[urls.profile_text(comparison.page, pair.slug)] = text.encode()
    files.update(static_files())
    return files


class RenderMemo(Protocol):
    """What rendering keeps from earlier builds (site/kept.py, which starts afresh for new code).

    Files of compare and PR pages, by everything they were rendered from (``_comparison_key``,
    ``_step_inputs``): a PR page changes only with another A/B run of its head,
    and of 2,000 steps on main a new run changes a few, so a build after it renders few pages
    again. And each series' trend columns as text (charts.TrendText), which a new run only
    appends to."""

    def get(self, key: str) -> dict[str, bytes] | None: ...

    def put(self, key: str, files: dict[str, bytes]) -> None: ...

    def trends(self) -> Mapping[SeriesKey, TrendText]: ...

    def keep_trends(self, trends: dict[SeriesKey, TrendText]) -> None: ...


class NoMemo:
    def get(self, key: str) -> dict[str, bytes] | None:
        return None

    def put(self, key: str, files: dict[str, bytes]) -> None:
        pass

    def trends(self) -> Mapping[SeriesKey, TrendText]:
        return {}

    def keep_trends(self, trends: dict[SeriesKey, TrendText]) -> None:
        pass


def _render_context(site: Site, directory_urls: bool) -> str:
    """What a compare or PR page uses besides its own data: commit links, which scenarios have a
    page to link to, and the URL style."""
    context = repr((site.repository, directory_urls, sorted(site.slugs)))
    return hashlib.sha1(context.encode()).hexdigest()


def _kept(memo: RenderMemo, key: str, render: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
    """``render()``, or the files kept under ``key`` ("" keeps nothing)."""
    kept = memo.get(key) if key else None
    if kept is None:
        kept = render()
        if key:
            memo.put(key, kept)
    return kept


def _comparison_key(comparison: Comparison, profiles: dict[str, ProfileDiff], context: str) -> str:
    """A comparison page depends on its comparison's inputs and on which profile diffs it links."""
    pages = (urls.profile_page(comparison.page, pair.slug) for pair in comparison.profiles)
    return f"{comparison.inputs} {context} {sorted(p for p in pages if p in profiles)}" if comparison.inputs else ""


def _comparison_files(
    site: Site, comparison: Comparison, profiles: dict[str, ProfileDiff], directory_urls: bool
) -> dict[str, bytes]:
    """The comparison's page and its distribution data; profile pages are rendered by the caller."""
    links = urls.Links(comparison.page, directory_urls)
    files = {comparison.page: comparison_page(site, comparison, links, profiles).encode()}
    if lists_others(comparison):
        files[urls.comparison_listing(comparison.page)] = listing_document(site, comparison)
    if comparison.summary.changed:
        files[urls.comparison_data(comparison.page)] = dumps(samples_document(comparison))
    return files


def _step_inputs(step: MainStep) -> str:
    """Everything a step's page and distribution data show, as text: 2,000 step pages take 0.4 s
    to render, and after a new run on main only the newest and a few near a shift change."""
    rows = [_change_inputs(c) for c in step.step.shifted]
    samples = [(c.before.samples, c.after.samples) for c in step.step.shifted]
    step_counts = (step.step.series, step.step.machines, step.step.unchanged)
    return repr(("step", step.page, step.base, step.head, step_counts, step.position, rows, samples))


def _change_inputs(c: StepChange) -> tuple:
    s = c.history.series
    return (s.key, s.unit, c.verdict, c.level_change, c.levels, c.index, s.values[c.index - 1], s.values[c.index])


def _step_files(site: Site, step: MainStep, directory_urls: bool) -> dict[str, bytes]:
    files = {step.page: step_page(site, step, urls.Links(step.page, directory_urls)).encode()}
    if step.step.shifted:
        files[urls.comparison_data(step.page)] = dumps(step_samples_document(step))
    return files
