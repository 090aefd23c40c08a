"""The pull-request comment: what a change did to performance, in the shape reviewers know from
rustls's and rustc-perf's bots, and short enough for GitHub.

It carries a hidden marker so a workflow edits one comment in place. When it would pass
GitHub's 65,536-character limit it drops the "other differences" tables first, then caps
the lists of missing, new and failed scenarios with a count, then improvement rows, and
regression rows only last; every cut falls between rows and links to the full page. The
summary, the statistics line and the checkout details are always kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from perfpages.analysis.comparison import ComparisonReport, SeriesVerdict
from perfpages.analysis.verdict import Verdict
from perfpages.model import CommitInfo, Direction, Failure, scenario_label
from perfpages.render.comparison import caveat_lines, change_text, magnitude_label
from perfpages.render.escape import comment as escape
from perfpages.render.markdown import plural, safe_url, table
from perfpages.render.units import human

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
    """How much of the comment to show; shrunk step by step until it fits. The regressions go last."""

    others: bool = True  # the folded tables of series within noise
    listed: int | None = None  # names shown per list of missing, new and failed scenarios; None for all
    improvements: int | None = None  # significant improvement rows per metric; None for all
    regressions: int | None = None  # significant regression rows per metric: cut only when nothing else is left


@dataclass(frozen=True)
class _Parts:
    """A rendered comment in three parts: only the middle is ever cut, and only at a line end."""

    head: str  # marker, overall result, summary, the note that the comment was shortened
    middle: str  # a section per metric; missing, new and failed scenarios
    tail: str  # the statistics line and the checkout details

    def __str__(self) -> str:
        return "\n".join(p for p in (self.head, self.middle, self.tail) if p)


def overall(report: ComparisonReport, failures: tuple[Failure, ...]) -> str:
    if not report.series:
        # Not "no relevant changes": nothing was compared, so nothing can be said of the change.
        return "nothing compared: no series has results at both base and head · needs attention"
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


LIST_CAPS = (50, 10, 3)  # names per list as the comment shrinks: enough to recognise a rename
LABEL_CHARS = 300  # a longer scenario label or subject is shortened; the full page has it whole
CUT_NOTE = "_…cut here to fit GitHub's 65,536-character limit; the full page has the rest._\n"


def render_comment(report: ComparisonReport, context: CommentContext, limit: int = LIMIT) -> Comment:
    """The comment, at most ``limit`` characters. Shrinking drops, in turn: the folded tables,
    names beyond a few in each list (with a count and a link), improvement rows, and last the
    regression rows; each cut falls between rows and says how many it left out."""
    for i, shape in enumerate(_shapes(report)):
        parts = _render(report, context, shape, truncated=i > 0)
        body = str(parts)
        if len(body) <= limit:
            return Comment(body, i > 0, len(report.regressions), len(report.improvements))
    return Comment(_cut(parts, limit), True, len(report.regressions), len(report.improvements))


def _shapes(report: ComparisonReport) -> Iterator[_Shape]:
    yield _Shape()
    yield _Shape(others=False)
    for cap in LIST_CAPS:
        yield _Shape(others=False, listed=cap)
    listed = LIST_CAPS[-1]
    by_metric = _by_metric(report.changed).values()
    for rows in _halvings(max((sum(v.verdict is Verdict.IMPROVED for v in vs) for vs in by_metric), default=0)):
        yield _Shape(others=False, listed=listed, improvements=rows)
    for rows in _halvings(max((sum(v.verdict is Verdict.REGRESSED for v in vs) for vs in by_metric), default=0)):
        yield _Shape(others=False, listed=listed, improvements=0, regressions=rows)


def _halvings(n: int) -> Iterator[int]:
    while n > 0:
        n //= 2
        yield n


def _cut(parts: _Parts, limit: int) -> str:
    """Last resort: the middle cut at the last line end that fits, every <details> it opened closed."""
    room = limit - len(parts.head) - len(parts.tail) - len(CUT_NOTE) - 64
    kept = parts.middle[: max(room, 0)].rpartition("\n")[0]
    kept += "\n</details>\n" * (kept.count("<details>") - kept.count("</details>"))
    body = str(_Parts(parts.head, kept + "\n" + CUT_NOTE, parts.tail))
    return body if len(body) <= limit else _Parts(parts.head[: limit // 2].rpartition("\n")[0], CUT_NOTE, "").head


def _render(report: ComparisonReport, context: CommentContext, shape: _Shape, truncated: bool) -> _Parts:
    head = [MARKER, "## Benchmark results\n", f"### Overall result: {overall(report, context.failures)}\n"]
    head.append(_summary_line(report, context))
    head += [f"{note}\n" for note in caveat_lines(report)]  # judged without history, or across environments
    if truncated:
        head.append(
            "_This comment was shortened to fit GitHub's 65,536-character limit; "
            + (
                f"the [full comparison]({safe_url(context.page_url)}) lists every series._\n"
                if context.page_url
                else "run `perfpages compare --format markdown` for every series._\n"
            )
        )
    changed_ids = {id(v) for v in report.changed}
    middle = [
        _metric_section(metric, vs, changed_ids, context, shape) for metric, vs in _by_metric(report.series).items()
    ]
    middle.append(_missing_new_failed(report, context, shape.listed))
    tail = [_statistics_line(report), _checkout(context)]
    return _Parts(*("\n".join(p for p in part if p) for part in (head, middle, tail)))


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
        shown = _significant_shown(significant, shape)
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


def _significant_shown(significant: list[SeriesVerdict], shape: _Shape) -> list[SeriesVerdict]:
    """The first ``shape.regressions`` regressions and ``shape.improvements`` improvements, in order."""
    caps = {Verdict.REGRESSED: shape.regressions, Verdict.IMPROVED: shape.improvements}
    seen: dict[Verdict, int] = defaultdict(int)
    shown = []
    for v in significant:
        seen[v.verdict] += 1
        cap = caps.get(v.verdict)
        if cap is None or seen[v.verdict] <= cap:
            shown.append(v)
    return shown


def _row(v: SeriesVerdict, context: CommentContext, marked: bool) -> list[str]:
    s = v.series
    name = escape(_short(s.label))
    name = name if len(context.machines) <= 1 else f"{name} ({escape(s.machine)})"
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
        magnitude_label(v),
    ]


def _missing_new_failed(report: ComparisonReport, context: CommentContext, listed: int | None) -> str:
    lines = []
    for title, labels in (("Missing at head", report.missing), ("New at head", report.new)):
        if labels:
            shown = labels if listed is None else labels[:listed]
            names = ", ".join(escape(_short(label)) for label in shown)
            lines.append(f"**{title}:** {names}{_more(len(labels) - len(shown), context)}\n")
    failures = context.failures
    if failures:
        shown = failures if listed is None else failures[:listed]
        lines.append("**Failed scenarios:**\n")
        lines += [
            f"- {escape(_short(scenario_label(f.scenario, f.params)))} at `{f.commit[:12]}` ({escape(f.phase)}): "
            f"{escape(_short(f.reason))}"
            for f in shown
        ]
        if len(shown) < len(failures):
            lines.append(f"- {_more(len(failures) - len(shown), context).removeprefix(' ')}")
        lines.append("")
    return "\n".join(lines)


def _more(hidden: int, context: CommentContext) -> str:
    if not hidden:
        return ""
    page = f"[full page]({safe_url(context.page_url)})" if context.page_url else "full page"
    return f" … and {hidden:,} more on the {page}."


def _short(text: str) -> str:
    """Untrusted text cut before escaping (a cut escape would be broken markup)."""
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS] + "…"


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
        return f"- {role}: `{info.sha}` {escape(_short(info.subject))}"

    lines = [
        "<details><summary>Checkout details</summary>\n",
        commit("Base", context.base),
        commit("Head", context.head),
    ]
    if context.branch:
        lines.append(f"- Branch: {escape(_short(context.branch))}")
    if context.machines:
        lines.append("- Machine: " + ", ".join(escape(m) for m in context.machines))
    if context.ci_url and context.ci_url.startswith("https://"):
        lines.append(f"- Run: [CI run]({safe_url(context.ci_url)})")  # the URL is untrusted: a target, not text
    lines += ["", "</details>\n"]
    return "\n".join(lines)
