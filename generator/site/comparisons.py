"""Compare pages, PR permalinks and PR indexes.

A PR permalink is a pure function of its comparison (base, head, history up to the
base): nothing on it mentions later runs, so it never changes once published.
"""

from __future__ import annotations

from generator.analysis.comparison import SeriesVerdict
from generator.analysis.verdict import Verdict
from generator.model import CommitInfo
from generator.render.comparison import MARKS
from generator.render.markdown import escape, percent, table
from generator.render.units import human
from generator.site import urls
from generator.site.gather import Comparison, PullRequest, Site
from generator.site.html import front_matter, repository_link, text

CHANGED = (Verdict.REGRESSED, Verdict.IMPROVED)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def headline(c: Comparison) -> str:
    r = c.report
    parts = [_count(len(r.regressions), "regression")] if r.regressions else []
    parts += [_count(len(r.improvements), "improvement")] if r.improvements else []
    return " and ".join(parts) or "no relevant changes"


def comparison_page(site: Site, c: Comparison, links: urls.Links) -> str:
    title = f"PR #{c.pull_request} at {c.head.sha[:12]}" if c.pull_request else f"{c.base.sha[:12]}..{c.head.sha[:12]}"
    parts = [
        front_matter(title, searchable=False, hide=("navigation",)),
        f"# {escape(title)}\n",
        _commits(site, c),
        f"**{headline(c)}** among {len(c.report.series)} series.\n",
        _verdicts(site, c, links),
        _statistics_line(c),
        _missing_new(c),
        _distributions(c, links),
    ]
    return "\n".join(p for p in parts if p)


def _commit_line(site: Site, role: str, info: CommitInfo) -> str:
    url = repository_link(site.repository, "commit", info.sha)
    sha = f"[`{info.sha[:12]}`]({url})" if url else f"`{info.sha[:12]}`"
    return f"- **{role}** {sha} {escape(info.subject)} · {escape(info.author)} · {escape(info.committer_date[:10])}"


def _commits(site: Site, c: Comparison) -> str:
    lines = [_commit_line(site, "base", c.base), _commit_line(site, "head", c.head)]
    machines = sorted({v.series.machine for v in c.report.series})
    detail = f"- measured on {escape(', '.join(machines))}"
    if c.branch:
        detail += f" · branch {escape(c.branch)}"
    if c.ci_url and c.ci_url.startswith("https://"):
        detail += f" · [run log]({c.ci_url})"
    source = repository_link(site.repository, "compare", f"{c.base.sha}...{c.head.sha}")
    if source:
        detail += f" · [source diff]({source})"
    return "\n".join([*lines, detail]) + "\n"


def _row(site: Site, v: SeriesVerdict, links: urls.Links) -> list[str]:
    s = v.series
    slug = urls.slugify(s.label)
    name = f"[{escape(s.label)}]({links.md(urls.scenario_page(slug))})" if slug in site.slugs else escape(s.label)
    return [
        name,
        escape(s.metric),
        escape(s.machine),
        escape(human(v.base, s.unit)),
        escape(human(v.head, s.unit)),
        percent(v.change),
        f"±{v.fence.threshold:.2%}",
        v.magnitude.name.lower().replace("_", " "),
        MARKS[v.verdict],
    ]


HEADERS = ["scenario", "metric", "machine", "base", "head", "change", "threshold", "magnitude", "verdict"]


def _verdicts(site: Site, c: Comparison, links: urls.Links) -> str:
    changed = sorted((v for v in c.report.series if v.verdict in CHANGED), key=lambda v: -abs(v.change or 0))
    rest = sorted((v for v in c.report.series if v.verdict not in CHANGED), key=lambda v: -abs(v.change or 0))
    parts = []
    if changed:
        parts += ["## Significant changes\n", table(HEADERS, [_row(site, v, links) for v in changed]) + "\n"]
    if rest:
        parts += [
            f'<details class="pp-other"><summary>Other differences ({len(rest)} series, within noise)</summary>\n',
            table(HEADERS, [_row(site, v, links) for v in rest]) + "\n",
            "</details>\n",
        ]
    return "\n".join(parts)


def _statistics_line(c: Comparison) -> str:
    r = c.report
    mdes = sorted(v.mde for v in r.series if v.mde == v.mde)
    detectable = f"the smallest detectable change is {mdes[len(mdes) // 2]:.2%} for the median series" if mdes else ""
    return (
        f"False alarms are held to {r.false_alarm_rate:.0%} per comparison (Benjamini-Hochberg); "
        f"the rustc-perf fence rule would expect {r.expected_false_alarms_fence:.2f} false alarms here"
        + (f"; {detectable}" if detectable else "")
        + ". The threshold column is that fence rule's, learned from each series' own history up to the base.\n"
    )


def _missing_new(c: Comparison) -> str:
    lines = []
    for title, labels in (("Missing at head", c.report.missing), ("New at head", c.report.new)):
        if labels:
            lines.append(f"**{title}:** " + ", ".join(escape(label) for label in labels) + "\n")
    return "\n".join(lines)


def _distributions(c: Comparison, links: urls.Links) -> str:
    if not any(v.verdict in CHANGED for v in c.report.series):
        return ""
    data = links.to(urls.comparison_data(c.page))
    return (
        "## Distributions\n\nBase and head samples of each changed series.\n\n"
        f'<div class="pp-chart" data-kind="distribution" data-src="{text(data)}"></div>\n'
    )


def pr_index_page(site: Site, pr: PullRequest, links: urls.Links) -> str:
    latest = pr.latest
    rows = [
        [
            f"[`{c.head.sha[:12]}`]({links.md(c.page)})",
            f"`{c.base.sha[:12]}`",
            escape(c.head.subject),
            escape(c.measured_at[:16].replace("T", " ")),
            headline(c),
        ]
        for c in reversed(pr.heads)
    ]
    return "\n".join(
        [
            front_matter(f"PR #{pr.number}", searchable=False, hide=("navigation",)),
            f"# PR #{pr.number}\n",
            f"Latest head [`{latest.head.sha[:12]}`]({links.md(latest.page)}): **{headline(latest)}**.\n",
            "Each head has a permanent page; it never changes once published.\n",
            table(["head", "base", "subject", "measured", "result"], rows) + "\n",
        ]
    )


def pr_list_page(site: Site, links: urls.Links) -> str:
    rows = [
        [
            f"[#{pr.number}]({links.md(urls.pr_index(pr.number))})",
            escape(pr.latest.branch or ""),
            f"[`{pr.latest.head.sha[:12]}`]({links.md(pr.latest.page)})",
            str(len(pr.heads)),
            headline(pr.latest),
        ]
        for pr in site.pulls
    ]
    body = (
        table(["PR", "branch", "latest head", "heads measured", "result"], rows)
        if rows
        else ("No pull request has been measured yet. `perfpages run --against main --pr N` makes one.")
    )
    return front_matter("Pull requests", hide=("navigation",)) + "# Pull requests\n\n" + body + "\n"
