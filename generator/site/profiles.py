"""Profile diff pages: which functions gained or lost instructions between a comparison's two sides.

Each page sits under its comparison's permalink and depends only on that A/B run's
callgrind outputs, so it is as permanent as the page that links to it.
"""

from __future__ import annotations

from perfpages.analysis.profiles import ProfileDiff
from perfpages.render.markdown import escape, plural, table
from perfpages.site import urls
from perfpages.site.html import front_matter
from perfpages.site.judging import Comparison, ProfilePair

ROWS_SHOWN = 200  # the downloadable text has every function


def profile_title(c: Comparison, pair: ProfilePair) -> str:
    return f"Profile diff: {pair.label} on {pair.machine}, {c.base.sha[:12]}..{c.head.sha[:12]}"


def profile_page(c: Comparison, pair: ProfilePair, diff: ProfileDiff, links: urls.Links) -> str:
    title = profile_title(c, pair)
    shown = diff.rows[:ROWS_SHOWN]
    rows = [
        [
            escape(r.key.function),  # not a code span: backslash escapes would show inside one
            escape(r.key.location),
            f"{r.before:,}",
            f"{r.after:,}",
            f"{r.delta:+,}",
            "new" if r.relative is None else f"{r.relative:+.2%}",
        ]
        for r in shown
    ]
    total = f"{diff.total_before:,} → {diff.total_after:,} instructions ({diff.delta:+,}"
    total += f", {diff.delta / diff.total_before:+.2%})" if diff.total_before else ")"
    parts = [
        front_matter(title, searchable=False, hide=("navigation",)),
        f"# {escape(title)}\n",
        f"[← back to the comparison]({links.md(c.page)}) · "
        f"[download as text]({links.md(urls.profile_text(c.page, pair.slug))})\n",
        f"Self instructions (a function's own, not its callees'): {total}. "
        "Function names and paths are normalised first (temporary checkout folders, Rust symbol hashes, "
        "`.llvm.N` suffixes), so a function that did not change does not appear.\n",
    ]
    if rows:
        more = len(diff.rows) - len(shown)
        parts.append(table(["function", "file", "before", "after", "delta", "change"], rows) + "\n")
        if more:
            parts.append(f"{more} more functions changed by less; the text download lists them all.\n")
    else:
        parts.append("No function's instruction count changed.\n")
    return "\n".join(parts)


def profile_links(c: Comparison, diffs: dict[str, ProfileDiff], links: urls.Links) -> str:
    """The comparison page's list of profile diffs, largest change first."""
    found = [(pair, diffs.get(urls.profile_page(c.page, pair.slug))) for pair in c.profiles]
    found = [(pair, diff) for pair, diff in found if diff is not None]
    if not found:
        return ""
    found.sort(key=lambda item: (-abs(item[1].delta), item[0].label))
    lines = [
        f"- [{escape(pair.label)}]({links.md(urls.profile_page(c.page, pair.slug))}) on {escape(pair.machine)}: "
        f"{diff.delta:+,} instructions, {plural(len(diff.rows), 'function')} changed"
        for pair, diff in found
    ]
    return "## Profile diffs\n\n" + "\n".join(lines) + "\n"
