"""Compare pages, PR permalinks and PR indexes.

A PR permalink is a pure function of its comparison (base, head, history up to the
base): nothing on it mentions later runs, so it never changes once published.
"""

from __future__ import annotations

from perfpages.analysis.comparison import SeriesVerdict
from perfpages.analysis.profiles import ProfileDiff
from perfpages.analysis.verdict import Verdict
from perfpages.model import CommitInfo, Direction
from perfpages.render.comparison import MARKS
from perfpages.render.markdown import escape, percent, plural, safe_url, table
from perfpages.render.units import human
from perfpages.site import urls
from perfpages.site.gather import MainStep, PullRequest, Site
from perfpages.site.html import front_matter, repository_link, text
from perfpages.site.judging import OTHERS_SHOWN, Comparison
from perfpages.site.profiles import profile_links


def headline(c: Comparison) -> str:
    r = c.summary
    parts = [plural(r.regressions, "regression")] if r.regressions else []
    parts += [plural(r.improvements, "improvement")] if r.improvements else []
    return " and ".join(parts) or "no relevant changes"


def comparison_page(
    site: Site, c: Comparison, links: urls.Links, profiles: dict[str, ProfileDiff] | None = None
) -> str:
    title = f"PR #{c.pull_request} at {c.head.sha[:12]}" if c.pull_request else f"{c.base.sha[:12]}..{c.head.sha[:12]}"
    parts = [
        front_matter(title, searchable=False, hide=("navigation",)),
        f"# {escape(title)}\n",
        _commits(site, c),
        f"**{headline(c)}** among {c.summary.series} series.\n",
        _verdicts(site, c, links, _profile_pages(c, profiles or {})),
        _statistics_line(c),
        _missing_new(c),
        profile_links(c, profiles or {}, links),
        _distributions(c, links),
    ]
    return "\n".join(p for p in parts if p)


def _commit_line(site: Site, role: str, info: CommitInfo) -> str:
    url = repository_link(site.repository, "commit", info.sha)
    sha = f"[`{info.sha[:12]}`]({url})" if url else f"`{info.sha[:12]}`"
    return f"- **{role}** {sha} {escape(info.subject)} · {escape(info.author)} · {escape(info.committer_date[:10])}"


def _commits(site: Site, c: Comparison | MainStep) -> str:
    lines = [_commit_line(site, "base", c.base), _commit_line(site, "head", c.head)]
    detail = f"- measured on {escape(', '.join(_machines(c)))}"
    branch, ci_url = (c.branch, c.ci_url) if isinstance(c, Comparison) else (None, None)
    if branch:
        detail += f" · branch {escape(branch)}"
    if ci_url and ci_url.startswith("https://"):
        detail += f" · [run log]({safe_url(ci_url)})"
    source = repository_link(site.repository, "compare", f"{c.base.sha}...{c.head.sha}")
    if source:
        detail += f" · [source diff]({source})"
    return "\n".join([*lines, detail]) + "\n"


def _machines(c: Comparison | MainStep) -> list[str]:
    if isinstance(c, MainStep):
        return list(c.step.machines)
    return list(c.summary.machines)


def _scenario_link(site: Site, label: str, links: urls.Links) -> str:
    slug = urls.slugify(label)
    return f"[{escape(label)}]({links.md(urls.scenario_page(slug))})" if slug in site.slugs else escape(label)


def _profile_pages(c: Comparison, profiles: dict[str, ProfileDiff]) -> dict[tuple[str, str], str]:
    """(machine, scenario label) -> the profile diff page, for the pairs whose diff was built."""
    pages = {(p.machine, p.label): urls.profile_page(c.page, p.slug) for p in c.profiles}
    return {key: page for key, page in pages.items() if page in profiles}


def _row(site: Site, v: SeriesVerdict, links: urls.Links, profile_pages: dict[tuple[str, str], str]) -> list[str]:
    s = v.series
    change = percent(v.change)
    page = profile_pages.get((s.machine, s.label)) if s.metric == "instructions" else None
    if page:
        change = f"[{change}]({links.md(page)})"  # as in the PR comment: the change links its profile diff
    return [
        _scenario_link(site, s.label, links),
        escape(s.metric) + (" ↑" if s.direction is Direction.HIGHER else " ↓"),
        escape(s.machine),
        escape(human(v.base, s.unit)),
        escape(human(v.head, s.unit)),
        change,
        f"±{v.fence.threshold:.2%}",
        v.magnitude.name.lower().replace("_", " "),
        MARKS[v.verdict],
    ]


HEADERS = ["scenario", "metric", "machine", "base", "head", "change", "threshold", "magnitude", "verdict"]


def _verdicts(site: Site, c: Comparison, links: urls.Links, profile_pages: dict[tuple[str, str], str]) -> str:
    flagged = c.report.changed
    changed = sorted(flagged, key=lambda v: -abs(v.change or 0))
    flagged_ids = {id(v) for v in flagged}
    rest = sorted((v for v in c.report.series if id(v) not in flagged_ids), key=lambda v: -abs(v.change or 0))
    unchanged = c.summary.series - len(flagged)  # the report holds only the largest OTHERS_SHOWN of them
    parts = []
    if changed:
        rows = [_row(site, v, links, profile_pages) for v in changed]
        parts += ["## Significant changes\n", table(HEADERS, rows) + "\n"]
    if rest:
        shown = rest[:OTHERS_SHOWN]
        summary = f"Other differences ({unchanged} series, not significant"
        summary += f"; the {len(shown)} largest shown)" if len(shown) < unchanged else ")"
        parts += [
            f'<details class="pp-other"><summary>{summary}</summary>\n',
            table(HEADERS, [_row(site, v, links, profile_pages) for v in shown]) + "\n",
            "</details>\n",
        ]
    return "\n".join(parts)


def _statistics_line(c: Comparison) -> str:
    r, mde = c.report, c.summary.median_mde
    detectable = f"the smallest detectable change is {mde:.2%} for the median series" if mde is not None else ""
    return (
        f"False alarms are held to {r.false_alarm_rate:.0%} per comparison (Benjamini-Hochberg); "
        f"the rustc-perf fence rule would expect {r.expected_false_alarms_fence:.2f} false alarms here"
        + (f"; {detectable}" if detectable else "")
        + ". The threshold column is that fence rule's, learned from each series' own history up to the base;"
        " ↑ marks a metric where higher is better, ↓ one where lower is.\n"
    )


def _missing_new(c: Comparison) -> str:
    lines = []
    for title, labels in (("Missing at head", c.report.missing), ("New at head", c.report.new)):
        if labels:
            lines.append(f"**{title}:** " + ", ".join(escape(label) for label in labels) + "\n")
    return "\n".join(lines)


def _distributions(c: Comparison, links: urls.Links) -> str:
    if not c.report.changed:
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


STEP_MARKS = {"regressed": MARKS[Verdict.REGRESSED], "improved": MARKS[Verdict.IMPROVED], "unconfirmed": "unconfirmed"}


def step_page(site: Site, s: MainStep, links: urls.Links) -> str:
    """A commit on main against the one before: level shifts found with hindsight, then the
    largest single-run differences (noise, unless a shift says otherwise)."""
    title = f"{s.base.sha[:12]}..{s.head.sha[:12]}"
    shifted = sorted(s.step.shifted, key=lambda c: -abs(c.level_change or 0))
    count = len(shifted)
    parts = [
        front_matter(title, searchable=False, hide=("navigation",)),
        f"# {escape(title)}\n",
        _commits(site, s),
        f"**{plural(count, 'level shift') if count else 'no level shift'}** at this commit among "
        f"{s.step.series} series.\n",
        "A commit on main is judged with hindsight: a level shift needs 5 runs on each side, so a recent "
        "commit can still be unconfirmed. Single-run differences below are noise unless a shift says otherwise.\n",
    ]
    headers = ["scenario", "metric", "machine", "before", "after", "change", "level shift", "verdict"]
    if shifted:
        rows = [_step_row(site, c, links) for c in shifted]
        parts += ["## Level shifts\n", table(headers, rows) + "\n"]
    if s.step.unchanged:
        shown = s.step.largest
        rest = s.step.unchanged - len(shown)
        summary = (
            f"Largest other differences ({len(shown)} of {s.step.unchanged} series)" if rest else "Other differences"
        )
        parts += [
            f'<details class="pp-other"><summary>{summary}</summary>\n',
            table(headers, [_step_row(site, c, links) for c in shown]) + "\n",
            "</details>\n",
        ]
    if shifted:
        data = links.to(urls.comparison_data(s.page))
        parts += [
            "## Distributions\n\nSamples of each shifted series at the two commits.\n",
            f'<div class="pp-chart" data-kind="distribution" data-src="{text(data)}"></div>\n',
        ]
    return "\n".join(parts)


def _step_row(site: Site, c, links: urls.Links) -> list[str]:
    key, unit = c.history.series.key, c.history.series.unit
    return [
        _scenario_link(site, key.label, links),
        escape(key.metric),
        escape(key.machine),
        escape(human(c.before.value, unit)),
        escape(human(c.after.value, unit)),
        percent(c.change),
        percent(c.level_change) if c.level_change is not None else "",
        STEP_MARKS.get(c.verdict, "unchanged"),
    ]
