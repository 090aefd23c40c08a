"""The pull-request comment: what a change did to performance, in the shape reviewers know from
rustls's and rustc-perf's bots, and short enough for GitHub.

It carries a hidden marker so a workflow edits one comment in place. When it would pass
GitHub's 65,536-character limit it drops the "other differences" tables first, then the
rows of the significant ones, and says so with a link to the full page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from generator.analysis.comparison import ComparisonReport, SeriesVerdict
from generator.analysis.verdict import Verdict
from generator.model import CommitInfo, Direction, Failure, scenario_label
from generator.render.comparison import caveat_lines, change_text
from generator.render.markdown import escape, plural, safe_url, table
from generator.render.units import human

MARKER = "<!-- perfpages-comment -->"
LIMIT = 65_536  # GitHub's maximum comment length, in characters
METRIC_TITLES = {"instructions": "Instructions", "wall_time": "Wall time", "cpu_time": "CPU time", "max_rss": "Memory"}
HEADERS = ["scenario", "base", "head", "change", "threshold", "magnitude"]
EMOJI = {Verdict.REGRESSED: "❌", Verdict.IMPROVED: "✅"}


@dataclass(frozen=True)
class CommentContext:
    base: CommitInfo
    head: CommitInfo
    pull_request: int | None = None
    branch: str | None = None
    machines: tuple[str, ...] = ()
    ci_url: str | None = None
    page_url: str | None = None  # the permalinked PR (or compare) page
    profile_urls: Mapping[tuple[str, str], str] | None = None  # (machine, scenario label) -> profile diff
    failures: tuple[Failure, ...] = ()


@dataclass(frozen=True)
class Comment:
    body: str
    truncated: bool
    regressions: int
    improvements: int


@dataclass(frozen=True)
class _Shape:
    """How much of the comment to show; shrunk step by step until it fits."""

    others: bool = True
    rows: int | None = None  # significant rows per metric; None for all


def overall(report: ComparisonReport, failures: tuple[Failure, ...]) -> str:
    regressed, improved = bool(report.regressions), bool(report.improvements)
    result = {
        (True, True): "❌✅ regressions and improvements",
        (True, False): "❌ regressions",
        (False, True): "✅ improvements",
        (False, False): "no relevant changes",
    }[(regressed, improved)]
    if failures:
        result += " · scenarios failed"
    if regressed or failures or report.missing:
        result += " · needs attention"
    return result


def render_comment(report: ComparisonReport, context: CommentContext, limit: int = LIMIT) -> Comment:
    shapes = [_Shape(), _Shape(others=False)]
    rows = max((len(v) for v in _by_metric(report.changed).values()), default=0)
    while rows > 1:
        rows //= 2
        shapes.append(_Shape(others=False, rows=rows))
    shapes.append(_Shape(others=False, rows=0))
    for i, shape in enumerate(shapes):
        body = _render(report, context, shape, truncated=i > 0)
        if len(body) <= limit:
            break
    else:
        body = body[: limit - 200] + "\n\n_…cut at GitHub's comment limit._\n"
    return Comment(body, i > 0, len(report.regressions), len(report.improvements))


def _render(report: ComparisonReport, context: CommentContext, shape: _Shape, truncated: bool) -> str:
    parts = [MARKER, "## Benchmark results\n", f"### Overall result: {overall(report, context.failures)}\n"]
    parts.append(_summary_line(report, context))
    parts += [f"{note}\n" for note in caveat_lines(report)]  # judged without history, or across environments
    if truncated:
        parts.append(
            "_This comment was shortened to fit GitHub's 65,536-character limit; "
            + (
                f"the [full comparison]({safe_url(context.page_url)}) lists every series._\n"
                if context.page_url
                else "run `perfpages compare --format markdown` for every series._\n"
            )
        )
    changed_ids = {id(v) for v in report.changed}
    for metric, verdicts in _by_metric(report.series).items():
        parts.append(_metric_section(metric, verdicts, changed_ids, context, shape))
    parts.append(_missing_new_failed(report, context.failures))
    parts.append(_statistics_line(report))
    parts.append(_checkout(context))
    return "\n".join(p for p in parts if p)


def _summary_line(report: ComparisonReport, context: CommentContext) -> str:
    line = (
        f"{plural(len(report.regressions), 'regression')} and {plural(len(report.improvements), 'improvement')} "
        f"among {len(report.series)} series"
    )
    if context.machines:
        line += " on " + ", ".join(f"`{escape(m)}`" for m in context.machines)
    line += "."
    if context.page_url:
        line += f" [Full comparison, with distributions and profile diffs]({safe_url(context.page_url)})."
    return line + "\n"


def _by_metric(verdicts) -> dict[str, list[SeriesVerdict]]:
    """Instructions first (the most reliable metric), then wall time, CPU time, memory, then custom metrics."""
    grouped: dict[str, list[SeriesVerdict]] = defaultdict(list)
    for v in verdicts:
        grouped[v.series.metric].append(v)
    order = list(METRIC_TITLES)
    return dict(sorted(grouped.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))


def _metric_section(metric, verdicts, changed_ids, context: CommentContext, shape: _Shape) -> str:
    direction = "higher is better" if verdicts[0].series.direction is Direction.HIGHER else "lower is better"
    title = METRIC_TITLES.get(metric, metric)
    significant = sorted((v for v in verdicts if id(v) in changed_ids), key=lambda v: -abs(v.change or 0))
    others = sorted((v for v in verdicts if id(v) not in changed_ids), key=lambda v: -abs(v.change or 0))
    lines = [f"### {escape(title)} ({direction})\n"]
    if significant:
        shown = significant if shape.rows is None else significant[: shape.rows]
        if shown:
            lines.append(table(HEADERS, [_row(v, context, marked=True) for v in shown]) + "\n")
        if len(shown) < len(significant):
            lines.append(f"…and {len(significant) - len(shown)} more significant differences on the full page.\n")
    else:
        lines.append("_No significant differences._\n")
    if others and shape.others:
        lines += [
            f"<details><summary>Other differences ({len(others)} series, within noise)</summary>\n",
            table(HEADERS, [_row(v, context, marked=False) for v in others]) + "\n",
            "</details>\n",
        ]
    elif others:
        lines.append(f"{len(others)} other series within noise (listed on the full page).\n")
    return "\n".join(lines)


def _row(v: SeriesVerdict, context: CommentContext, marked: bool) -> list[str]:
    s = v.series
    name = escape(s.label) if len(context.machines) <= 1 else f"{escape(s.label)} ({escape(s.machine)})"
    change = change_text(v)
    profile = (context.profile_urls or {}).get((s.machine, s.label)) if s.metric == "instructions" else None
    if profile:
        change = f"[{change}]({safe_url(profile)})"
    if marked and v.verdict in EMOJI:
        change = f"{EMOJI[v.verdict]} {change}"
    return [
        name,
        escape(human(v.base, s.unit)),
        escape(human(v.head, s.unit)),
        change,
        f"±{v.fence.threshold:.2%}",
        v.magnitude.name.lower().replace("_", " "),
    ]


def _missing_new_failed(report: ComparisonReport, failures: tuple[Failure, ...]) -> str:
    lines = []
    for title, labels in (("Missing at head", report.missing), ("New at head", report.new)):
        if labels:
            lines.append(f"**{title}:** " + ", ".join(escape(label) for label in labels) + "\n")
    if failures:
        lines.append("**Failed scenarios:**\n")
        lines += [
            f"- {escape(scenario_label(f.scenario, f.params))} at `{f.commit[:12]}` ({escape(f.phase)}): "
            f"{escape(f.reason)}"
            for f in failures
        ]
        lines.append("")
    return "\n".join(lines)


def _statistics_line(report: ComparisonReport) -> str:
    mdes: dict[str, list[float]] = defaultdict(list)
    for v in report.series:
        if v.mde == v.mde:
            mdes[METRIC_TITLES.get(v.series.metric, v.series.metric)].append(v.mde)
    detectable = ", ".join(
        f"{escape(name.lower())} {sorted(values)[len(values) // 2]:.2%}" for name, values in sorted(mdes.items())
    )
    return (
        (f"Smallest detectable change (median series): {detectable}. " if detectable else "")
        + f"Expected false alarms: {report.expected_false_alarms:.2f} (held to {report.false_alarm_rate:.0%} "
        f"per comparison); the rustc-perf fence rule would expect {report.expected_false_alarms_fence:.2f}. "
        "Threshold is that fence rule's, learned from each series' history up to the base.\n"
    )


def _checkout(context: CommentContext) -> str:
    def commit(role: str, info: CommitInfo) -> str:
        return f"- {role}: `{info.sha}` {escape(info.subject)}"

    lines = [
        "<details><summary>Checkout details</summary>\n",
        commit("Base", context.base),
        commit("Head", context.head),
    ]
    if context.branch:
        lines.append(f"- Branch: {escape(context.branch)}")
    if context.machines:
        lines.append("- Machine: " + ", ".join(escape(m) for m in context.machines))
    if context.ci_url and context.ci_url.startswith("https://"):
        lines.append(f"- Run: [{escape(context.ci_url)}]({safe_url(context.ci_url)})")
    lines += ["", "</details>\n"]
    return "\n".join(lines)
