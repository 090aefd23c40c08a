"""Compare pages, PR permalinks and PR indexes.

A PR permalink is a pure function of its comparison (base, head, history up to the
base): nothing on it mentions later runs, so only another A/B run of its base and head changes it.
"""

from __future__ import annotations

import json

from perfpages.analysis.comparison import SeriesVerdict
from perfpages.analysis.profiles import ProfileDiff
from perfpages.model import CommitInfo, Direction
from perfpages.render.comparison import change_label, magnitude_label, shift_label
from perfpages.render.markdown import escape, plural, safe_url, table
from perfpages.render.units import human, ladder_json
from perfpages.site import urls
from perfpages.site.gather import MainStep, PullRequest, Site
from perfpages.site.html import VERDICTS, front_matter, link, repository_link, secondary, status, text
from perfpages.site.html import table as html_table
from perfpages.site.jsontext import dumps
from perfpages.site.judging import LISTING_COLUMNS, Comparison
from perfpages.site.profiles import profile_links
from perfpages.site.stepvalues import block_of


def headline(c: Comparison) -> str:
    r = c.summary
    parts = [plural(r.regressions, "regression")] if r.regressions else []
    parts += [plural(r.improvements, "improvement")] if r.improvements else []
    return " and ".join(parts) or "no relevant changes"


def comparison_page(
    site: Site, c: Comparison, links: urls.Links, profiles: dict[str, ProfileDiff] | None = None
) -> str:
    title = f"PR #{c.pull_request} at {c.head.sha[:12]}" if c.pull_request else f"{c.base.sha[:12]}..{c.head.sha[:12]}"
    heading = (
        escape(f"PR #{c.pull_request} at ") + _sha(c.head.sha) if c.pull_request else _range(c.base.sha, c.head.sha)
    )
    parts = [
        front_matter(title, searchable=False, hide=("navigation",)),
        f"# {heading}\n",
        _pr_links(c, links),
        _commits(site, c),
        f"**{headline(c)}** among {c.summary.series} series.\n",
        _verdicts(site, c, links, _profile_pages(c, profiles or {})),
        _statistics_line(c),
        _missing_new(c),
        profile_links(c, profiles or {}, links),
        _distributions(c, links),
    ]
    return "\n".join(p for p in parts if p)


def _range(base: str, head: str) -> str:
    """A heading's "base..head": on a narrow screen it breaks after the "..", never inside a SHA."""
    return f"{_sha(base)}..<wbr>{_sha(head)}"


def _sha(sha: str) -> str:
    """A short SHA that a line never breaks inside (perfpages.css): half a hash is no use to look up."""
    return f'<span class="pp-sha">{escape(sha[:12])}</span>'


def _pr_links(c: Comparison, links: urls.Links) -> str:
    """Back to the PR's heads and the list of PRs; both pages keep their address, so the permalink stays fixed."""
    if not c.pull_request:
        return ""
    return (
        f"[All heads of PR #{c.pull_request}]({links.md(urls.pr_index(c.pull_request))}) · "
        f"[all pull requests]({links.md(urls.PR_INDEX)})\n"
    )


def _commit_line(site: Site, role: str, info: CommitInfo) -> str:
    url = repository_link(site.repository, "commit", info.sha)
    sha = f"[`{info.sha[:12]}`]({url})" if url else f"`{info.sha[:12]}`"
    # An empty field would leave a bare "· ·"; a missing subject says so, other empty fields are left out.
    fields = [info.subject.strip() or "(no subject)", info.author.strip(), info.committer_date[:10]]
    return f"- **{role}** {sha} " + " · ".join(escape(f) for f in fields if f)


def _commits(site: Site, c: Comparison | MainStep) -> str:
    lines = [_commit_line(site, "base", c.base), _commit_line(site, "head", c.head)]
    machines = _machines(c)
    details = [f"measured on {escape(', '.join(machines))}" if machines else "no machine measured both"]
    branch, ci_url = (c.branch, c.ci_url) if isinstance(c, Comparison) else (None, None)
    if isinstance(c, Comparison) and c.ab_runs > 1:
        # A re-run changes the page: say so, and how its samples pool.
        details.append(f"{c.ab_runs} A/B runs, each series pooling those that agree with the newest")
    if branch:
        details.append(f"branch {escape(branch)}")
    if ci_url and ci_url.startswith("https://"):
        details.append(f"[run log]({safe_url(ci_url)})")
    source = repository_link(site.repository, "compare", f"{c.base.sha}...{c.head.sha}")
    if source:
        details.append(f"[source diff]({source})")
    return "\n".join([*lines, "- " + " · ".join(details)]) + "\n"


def _machines(c: Comparison | MainStep) -> list[str]:
    if isinstance(c, MainStep):
        return list(c.step.machines)
    return list(c.summary.machines)


def _scenario_link(site: Site, label: str, links: urls.Links) -> str:
    """The scenario's name as HTML, linking its page when the site has one."""
    slug = urls.slugify(label)
    return link(links.to(urls.scenario_page(slug)), label) if slug in site.slugs else text(label)


def _series_cell(site: Site, key, links: urls.Links, arrow: str = "") -> str:
    """Scenario, then metric and machine on a second line: one column instead of three keeps the
    verdict table inside the content column."""
    return _scenario_link(site, key.label, links) + secondary(f"{text(key.metric)}{arrow} · {text(key.machine)}")


def _profile_pages(c: Comparison, profiles: dict[str, ProfileDiff]) -> dict[tuple[str, str], str]:
    """(machine, scenario label) -> the profile diff page, for the pairs whose diff was built."""
    pages = {(p.machine, p.label): urls.profile_page(c.page, p.slug) for p in c.profiles}
    return {key: page for key, page in pages.items() if page in profiles}


def _row(site: Site, v: SeriesVerdict, links: urls.Links, profile_pages: dict[tuple[str, str], str]) -> list[str]:
    s = v.series
    label = change_label(v)  # "+0.02 (from 0)" as in the PR comment, not "n/a"
    page = profile_pages.get((s.machine, s.label)) if s.metric == "instructions" else None
    # As in the PR comment: the change links its profile diff.
    change = link(links.to(page), label) if page else text(label)
    return [
        status(v.verdict.value),
        _series_cell(site, s, links, " ↑" if s.direction is Direction.HIGHER else " ↓"),
        text(human(v.base, s.unit)),
        text(human(v.head, s.unit)),
        change,
        f"±{v.fence.threshold:.2%}",
        magnitude_label(v),
    ]


# The verdict comes first, so a phone shows it without scrolling the table sideways.
HEADERS = ["verdict", "series", "base", "head", "change", "threshold", "magnitude"]


def _verdicts(site: Site, c: Comparison, links: urls.Links, profile_pages: dict[tuple[str, str], str]) -> str:
    changed = sorted(c.report.changed, key=lambda v: -abs(v.change or 0))
    parts = []
    if changed:
        rows = [_row(site, v, links, profile_pages) for v in changed]
        parts += ["## Significant changes\n", html_table(HEADERS, rows, wrap=(1,), classes=VERDICTS) + "\n"]
    if lists_others(c):
        data = links.to(urls.comparison_listing(c.page))
        others = c.summary.series - c.summary.changed
        summary = f"All {c.summary.series} series with their verdicts ({others} not significant)"
        parts.append(_full_list(links, summary, data, 'data-kind="ab"'))
    return "\n".join(parts)


def lists_others(c: Comparison) -> bool:
    """Whether the page has a folded list of its series: when some are not among its changes."""
    return c.summary.series > c.summary.changed


def listing_document(site: Site, c: Comparison) -> bytes:
    """The rows of ``c.listed`` as the page's script reads them: each with its scenario page's slug
    (null when the scenario has no page to link) and each unit's display steps."""
    rows = json.loads(c.listed)
    column = LISTING_COLUMNS.index("label")
    units = sorted({row[LISTING_COLUMNS.index("unit")] for row in rows})
    slug = {label: urls.slugify(label) for label in {row[column] for row in rows}}
    return dumps(
        {
            "columns": [*LISTING_COLUMNS, "slug"],
            "rows": [[*row, slug[row[column]] if slug[row[column]] in site.slugs else None] for row in rows],
            "ladders": {unit: ladder_json(unit) for unit in units},
        }
    )


def _full_list(links: urls.Links, summary: str, data: str, kind: str) -> str:
    """A folded list of every series of the page, largest change first, filterable: the script
    fills it from ``data`` when the reader opens it. As HTML, the rows would make every PR page carry
    hundreds of rows few readers open, and MkDocs' raw-HTML parsing of them took more of a build's
    time than all other pages together."""
    scenarios = links.to(f"{urls.ROOT}/scenarios/")
    suffix = "/" if links.directory_urls else ".html"
    return (
        f'<details class="pp-full-list" {kind} data-src="{text(data)}" data-scenarios="{text(scenarios)}" '
        f'data-suffix="{suffix}"><summary>{summary}, filterable</summary>\n'
        '<div class="pp-list">The list needs JavaScript.</div>\n</details>\n'
    )


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


def result(c: Comparison) -> str:
    """The headline as a badge coloured by its worst news (text, so no font is needed to read it)."""
    r = c.summary
    css = "pp-regressed" if r.regressions else "pp-improved" if r.improvements else "pp-stable"
    return f'<span class="pp-verdict pp-badge {css}">{headline(c)}</span>'


def pr_index_page(site: Site, pr: PullRequest, links: urls.Links) -> str:
    latest = pr.latest
    rows = [
        [
            f"[`{c.head.sha[:12]}`]({links.md(c.page)})" + _subject(c.head),
            result(c),
            escape(c.measured_at[:16].replace("T", " ")),
            f"`{c.base.sha[:12]}`",
        ]
        for c in reversed(pr.heads)
    ]
    return "\n".join(
        [
            front_matter(f"PR #{pr.number}", searchable=False, hide=("navigation",)),
            f"# PR #{pr.number}\n",
            f"[All pull requests]({links.md(urls.PR_INDEX)})\n",
            f"Latest head [`{latest.head.sha[:12]}`]({links.md(latest.page)}): **{headline(latest)}**.\n",
            "Each head has a permanent page; only another A/B run of the same head changes it.\n",
            table(["head", "result", "measured", "base"], rows) + "\n",
        ]
    )


def _subject(info: CommitInfo) -> str:
    """A commit's subject as a Markdown cell's second line; nothing for an empty one."""
    return f'<br><span class="pp-sub">{escape(info.subject)}</span>' if info.subject.strip() else ""


def pr_list_page(site: Site, links: urls.Links) -> str:
    rows = [
        [
            f"[#{pr.number}]({links.md(urls.pr_index(pr.number))})",
            result(pr.latest),
            escape(pr.latest.branch or ""),
            f"[`{pr.latest.head.sha[:12]}`]({links.md(pr.latest.page)})",
            str(len(pr.heads)),
        ]
        for pr in site.pulls
    ]
    body = (
        table(["PR", "result", "branch", "latest head", "heads measured"], rows)
        if rows
        else ("No pull request has been measured yet. `perfpages run --against main --pr N` makes one.")
    )
    return front_matter("Pull requests", hide=("navigation",)) + "# Pull requests\n\n" + body + "\n"


def step_page(site: Site, s: MainStep, links: urls.Links) -> str:
    """A commit on main against the one before: level shifts found with hindsight, then every
    series' single-run difference, folded (noise, unless a shift says otherwise)."""
    title = f"{s.base.sha[:12]}..{s.head.sha[:12]}"
    shifted = sorted(s.step.shifted, key=lambda c: -abs(c.level_change or 0))
    count = len(shifted)
    parts = [
        front_matter(title, searchable=False, hide=("navigation",)),
        f"# {_range(s.base.sha, s.head.sha)}\n",
        _commits(site, s),
        _step_headline(s, count),
    ]
    if s.step.series:
        parts.append(
            "A commit on main is judged with hindsight: a level shift needs 5 runs on each side, so a recent "
            "commit can still be unconfirmed. Single-run differences below are noise unless a shift says otherwise.\n"
        )
    headers = ["verdict", "series", "before", "after", "change", "level shift"]
    if shifted:
        rows = [_step_row(site, c, links) for c in shifted]
        parts += ["## Level shifts\n", html_table(headers, rows, wrap=(1,), classes=VERDICTS) + "\n"]
    parts.append(_all_step_series(s, links))
    if shifted:
        data = links.to(urls.comparison_data(s.page))
        parts += [
            "## Distributions\n\nSamples of each shifted series at the two commits.\n",
            f'<div class="pp-chart" data-kind="distribution" data-src="{text(data)}"></div>\n',
        ]
    return "\n".join(parts)


def _step_headline(s: MainStep, shifts: int) -> str:
    if not s.step.series:
        # Machines that take turns measure no series at both of two consecutive commits.
        return (
            "**Nothing is compared here:** no series was measured at both commits. A point on a scenario's "
            "trend chart opens its series against its own previous point.\n"
        )
    found = plural(shifts, "level shift") if shifts else "no level shift"
    return f"**{found}** at this commit among {s.step.series} series.\n"


def _all_step_series(s: MainStep, links: urls.Links) -> str:
    """Every series of the step, from the block of step values that holds its two commits."""
    if not s.step.unchanged:
        return ""  # the level shifts above are all of them
    data = links.to(urls.step_values(block_of(s.position)))
    kind = f'data-kind="step" data-base="{s.position - 1}" data-head="{s.position}"'
    summary = f"All {s.step.series} series at this commit ({s.step.unchanged} without a level shift)"
    return _full_list(links, summary, data, kind)


def _step_row(site: Site, c, links: urls.Links) -> list[str]:
    key, unit = c.history.series.key, c.history.series.unit
    before, after = c.before.value, c.after.value
    level = "" if c.levels is None else text(shift_label(c.level_change, *c.levels, unit))
    return [
        status(c.verdict),
        _series_cell(site, key, links),
        text(human(before, unit)),
        text(human(after, unit)),
        text(shift_label(c.change, before, after, unit)),
        level,
    ]
