"""Variant pages: a scenario's matrix entries compared at one commit, as the seeds draw them.

One page per scenario with ``variants`` set: rustls vs OpenSSL, gosherve vs servy, http
vs https. The axis dimension gets one colour per value; every other dimension is a
filter, except the one a view plots along its x axis (``x`` for the main charts,
``cores`` for the scaling view, the percentile for the latency view). The summary
table has seed 003's shape: metric rows, variant columns, the best value marked and
each value's ratio to the reference variant. Pure: it reads a gathered Site.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from itertools import product

from perfpages.analysis.series import Series
from perfpages.model import CommitInfo, Direction, Params, Variants, scenario_label
from perfpages.render.markdown import escape
from perfpages.render.units import axis_scale, human, ladder_json
from perfpages.site import urls
from perfpages.site.html import front_matter, text

COMMITS_SHOWN = 30  # the commit selector offers the newest measured commits on main
PERCENTILE = re.compile(r"(?:^|_)p(\d{2}(?:_\d+)?)$")
SCALING_DIM = "cores"


@dataclass(frozen=True)
class MetricInfo:
    name: str
    unit: str
    direction: Direction

    @property
    def percentile(self) -> float | None:
        match = PERCENTILE.search(self.name)
        return float(match.group(1).replace("_", ".")) if match else None


@dataclass(frozen=True)
class VariantSet:
    name: str
    slug: str
    spec: Variants
    machine: str
    dims: tuple[tuple[str, tuple[str, ...]], ...]  # every matrix dimension and its values, axis included
    metrics: tuple[MetricInfo, ...]
    commits: tuple[CommitInfo, ...]  # newest first
    cells: dict[str, dict[tuple[Params, str], tuple[float, ...]]]  # sha -> (params, metric) -> samples

    @property
    def variants(self) -> tuple[str, ...]:
        return dict(self.dims)[self.spec.axis]

    @property
    def filters(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((d, v) for d, v in self.dims if d != self.spec.axis)

    @property
    def scaling(self) -> bool:
        return SCALING_DIM in dict(self.dims) and self.spec.axis != SCALING_DIM


@dataclass(frozen=True)
class TableRow:
    metric: MetricInfo
    values: tuple[float | None, ...]  # one per variant, in axis order
    best: str | None
    ratios: tuple[float | None, ...]  # value / reference value


def variant_sets(series: list[Series], specs: dict[str, Variants], commits: tuple[CommitInfo, ...]) -> list[VariantSet]:
    """One VariantSet per scenario with variants, on the machine that measured it most."""
    out = []
    for name, spec in sorted(specs.items()):
        mine = [s for s in series if s.key.scenario == name]
        if not mine:
            continue
        machines: dict[str, int] = {}
        for s in mine:
            machines[s.key.machine] = machines.get(s.key.machine, 0) + len(s)
        machine = max(sorted(machines), key=machines.__getitem__)
        mine = [s for s in mine if s.key.machine == machine]
        found = _variant_set(name, spec, machine, mine, commits)
        if found is not None:
            out.append(found)
    return out


def _variant_set(name, spec, machine, mine: list[Series], commits: tuple[CommitInfo, ...]) -> VariantSet | None:
    dims: dict[str, list[str]] = {}
    for s in mine:
        for key, value in s.key.params:
            dims.setdefault(key, [])
            if value not in dims[key]:
                dims[key].append(value)
    if spec.axis not in dims:
        return None  # results from before the matrix had this dimension: nothing to compare yet
    if spec.x is not None and spec.x not in dims:
        spec = Variants(spec.axis, None, spec.reference)
    ordered = tuple(
        (d, tuple(sorted(v, key=_order))) for d, v in sorted(dims.items(), key=lambda kv: kv[0] != spec.axis)
    )
    metrics = {}
    cells: dict[str, dict] = {}
    for s in mine:
        metrics[s.key.metric] = MetricInfo(s.key.metric, s.unit, s.direction)
        for p in s.points:
            cells.setdefault(p.commit, {})[(s.key.params, s.key.metric)] = p.samples
    measured = tuple(c for c in reversed(commits) if c.sha in cells)[:COMMITS_SHOWN]
    return VariantSet(
        name=name,
        slug=urls.slugify(f"variants {name}"),
        spec=spec,
        machine=machine,
        dims=ordered,
        metrics=tuple(sorted(metrics.values(), key=lambda m: (m.percentile is not None, m.percentile or 0, m.name))),
        commits=measured,
        cells={c.sha: cells[c.sha] for c in measured},
    )


def _order(value: str):
    """Numbers in numeric order (10 before 100), words alphabetically after them."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def summary_table(vs: VariantSet, sha: str, filters: dict[str, str]) -> list[TableRow]:
    """Metric rows x variant columns at one commit for one choice of the other dimensions."""
    cells = vs.cells.get(sha, {})
    reference = vs.spec.reference or vs.variants[0]
    rows = []
    for metric in vs.metrics:
        values = []
        for variant in vs.variants:
            choice = {**filters, vs.spec.axis: variant}
            samples = cells.get((tuple(sorted(choice.items())), metric.name))
            values.append(statistics.median(samples) if samples else None)
        known = [(v, name) for v, name in zip(values, vs.variants, strict=True) if v is not None]
        best = None
        if len(known) > 1:
            pick = max if metric.direction is Direction.HIGHER else min
            best = pick(known)[1]
        ref = values[vs.variants.index(reference)] if reference in vs.variants else None
        ratios = tuple(v / ref if v is not None and ref else None for v in values)
        rows.append(TableRow(metric, tuple(values), best, ratios))
    return rows


def default_filters(vs: VariantSet) -> dict[str, str]:
    return {d: values[0] for d, values in vs.filters}


def _filter_key(filters: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(filters.items()))


def variants_document(vs: VariantSet) -> dict:
    """Everything the page's charts, selectors and table need, for every offered commit."""
    combos = [
        dict(zip([d for d, _ in vs.filters], values, strict=True)) for values in product(*[v for _, v in vs.filters])
    ]
    return {
        "scenario": vs.name,
        "machine": vs.machine,
        "axis": vs.spec.axis,
        "x": vs.spec.x,
        "scaling": SCALING_DIM if vs.scaling else None,
        "reference": vs.spec.reference or vs.variants[0],
        "variants": list(vs.variants),
        "filters": [[d, list(v)] for d, v in vs.filters],
        "metrics": [
            {"name": m.name, "unit": m.unit, "direction": m.direction.value, "percentile": m.percentile}
            | _display_units(vs, m.name, m.unit)
            for m in vs.metrics
        ],
        "commits": [
            {"sha": c.sha, "short": c.sha[:12], "subject": c.subject, "date": c.committer_date[:10]} for c in vs.commits
        ],
        "cells": {sha: _cells_json(cells) for sha, cells in vs.cells.items()},
        "tables": {
            c.sha: {
                _filter_key(f): [
                    {"metric": r.metric.name, "values": list(r.values), "best": r.best, "ratios": list(r.ratios)}
                    for r in summary_table(vs, c.sha, f)
                ]
                for f in combos
            }
            for c in vs.commits
        },
    }


def _display_units(vs: VariantSet, metric: str, unit: str) -> dict:
    """The axis step of the tables' units for all of a metric's samples, and the ladder tooltips and
    the table write values with (as on the trend charts)."""
    samples = (found for cells in vs.cells.values() for (_, name), found in cells.items() if name == metric)
    values = (v for found in samples for v in found)
    scale = axis_scale(values, unit)
    return {"scale": {"factor": scale.factor, "name": scale.name}, "ladder": ladder_json(unit)}


def _cells_json(cells: dict[tuple[Params, str], tuple[float, ...]]) -> dict:
    out: dict[str, dict[str, list[float]]] = {}
    for (params, metric), samples in cells.items():
        out.setdefault(_filter_key(dict(params)), {})[metric] = list(samples)
    return out


def variants_page(vs: VariantSet, links: urls.Links, trend_slugs: dict[str, str]) -> str:
    latest = vs.commits[0] if vs.commits else None
    title = f"{vs.name}: variants"
    parts = [
        front_matter(title, hide=("navigation",)),
        f"# {escape(title)}\n",
        _intro(vs),
        f'<div class="pp-variants" data-src="{text(links.to(urls.variants_data(vs.slug)))}"></div>\n',
    ]
    if latest is not None:
        parts += [
            "## Summary\n",
            f'<div class="pp-vtable">{_summary_html(vs, latest)}</div>\n',
        ]
    for metric in vs.metrics:
        parts.append(f"## {escape(metric.name)}\n")
        parts.append(f'<div class="pp-vchart" data-view="variants" data-metric="{text(metric.name)}"></div>\n')
    if vs.scaling:
        parts += [
            "## Scaling with cores\n",
            f"Each metric but the latency percentiles against the number of cores, with the ideal linear line "
            f"from {escape(SCALING_DIM)}="
            f"{escape(dict(vs.dims)[SCALING_DIM][0])} for reference.\n",
        ]
        parts += [
            f'<div class="pp-vchart" data-view="scaling" data-metric="{text(m.name)}"></div>\n'
            for m in vs.metrics
            if m.percentile is None
        ]
    if sum(m.percentile is not None for m in vs.metrics) > 1:
        parts += [
            "## Latency distribution\n",
            "The percentiles of each variant, like the rustls latency charts.\n",
            '<div class="pp-vchart" data-view="percentiles"></div>\n',
        ]
    parts.append(_series_links(vs, links, trend_slugs))
    return "\n".join(parts)


def _intro(vs: VariantSet) -> str:
    others = [d for d, _ in vs.filters]
    x = f", against **{escape(vs.spec.x)}**" if vs.spec.x else ""
    picked = f" Choose {', '.join(escape(d) for d in others)} below." if others else ""
    return (
        f"Compares **{escape(vs.spec.axis)}** ({', '.join(escape(v) for v in vs.variants)}){x} on "
        f"`{escape(vs.machine)}`, at a commit on main you choose (the newest by default).{picked} "
        f"Values are medians of each run's samples; ratios are to {escape(vs.spec.axis)}="
        f"{escape(vs.spec.reference or vs.variants[0])}; ★ marks the best.\n"
    )


def _summary_html(vs: VariantSet, commit: CommitInfo) -> str:
    """The newest commit's table, in the page itself (the script redraws it for another choice).
    HTML, not Markdown: Markdown inside an HTML block needs an extension a project may not enable."""
    filters = default_filters(vs)
    reference = vs.spec.reference or vs.variants[0]
    head = "".join(f"<th>{text(v)}</th>" for v in ("metric", *vs.variants))
    body = []
    for row in summary_table(vs, commit.sha, filters):
        arrow = "↑" if row.metric.direction is Direction.HIGHER else "↓"
        cells = [f"<td>{text(row.metric.name)} {arrow}</td>"]
        for variant, value, ratio in zip(vs.variants, row.values, row.ratios, strict=True):
            cell = text(human(value, row.metric.unit)) if value is not None else "–"
            if ratio is not None and variant != reference:
                cell += f" (×{ratio:.2f})"
            cells.append(f"<td><strong>{cell} ★</strong></td>" if variant == row.best else f"<td>{cell}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    chosen = "".join(f", {text(k)}={text(v)}" for k, v in sorted(filters.items()))
    caption = f"<p>At {text(commit.sha[:12])} ({text(commit.committer_date[:10])}){chosen}:</p>"
    return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _series_links(vs: VariantSet, links: urls.Links, trend_slugs: dict[str, str]) -> str:
    labels = sorted({scenario_label(vs.name, params) for cells in vs.cells.values() for params, _ in cells})
    items = [
        f"- [{escape(label)}]({links.md(urls.scenario_page(trend_slugs[label]))})"
        for label in labels
        if label in trend_slugs
    ]
    return "## Trend of each entry\n\n" + "\n".join(items) + "\n" if items else ""
