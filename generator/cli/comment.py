"""`perfpages comment`: the pull-request comment for a measured A/B run."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfpages.analysis.comparison import compare
from perfpages.analysis.series import SampleIndex, build_series, comparison_inputs
from perfpages.cli.app import EXIT_REGRESSION, cli, config_option, emit_json, err, fail_on_option, results_option
from perfpages.config import load_settings
from perfpages.errors import PerfpagesError
from perfpages.model import instant
from perfpages.render.comment import MARKER, CommentContext, render_comment
from perfpages.results.cache import replace_file
from perfpages.results.check import load_valid_files
from perfpages.results.order import main_order
from perfpages.results.store import LoadedRun, profiles_dir_for
from perfpages.site import urls
from perfpages.site.judging import profile_pairs
from perfpages.workflow.actions import append_summary


@cli.command()
@click.option("--pr", "pull_request", type=click.IntRange(min=1), help="Comment on this PR's newest A/B run.")
@click.option("--head", "head", metavar="SHA", help="With --pr: that head instead of the newest; alone: any A/B run.")
@config_option
@results_option("Results folder.")
@click.option(
    "--site-url",
    envvar="PERFPAGES_SITE_URL",
    metavar="URL",
    help="Where the dashboard is published (env PERFPAGES_SITE_URL); links the PR page and profile diffs.",
)
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Write the comment here instead of stdout.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print {body, marker, pull_request, base, head, regressions, improvements, truncated}.",
)
@fail_on_option
def comment(pull_request, head, config_path, results_dir, site_url, out_file, as_json, fail_on) -> None:
    """Write the Markdown comment for a PR's interleaved A/B run.

    \b
    The comment gives the overall result, one section per metric (significant
    differences in a table, the rest folded away), missing and new scenarios,
    failures, the smallest detectable change and expected false alarms, and links
    to the PR's permanent page and profile diffs. It starts with the hidden marker
    <!-- perfpages-comment --> so a workflow can edit one comment in place.
    It is also appended to $GITHUB_STEP_SUMMARY when that is set.

    \b
    Examples:
      perfpages run --against origin/main --pr 42
      perfpages comment --pr 42 --site-url https://me.github.io/project/ --out comment.md
    """
    if pull_request is None and head is None:
        raise click.UsageError("pass --pr N (the PR's newest A/B run) or --head SHA (a specific A/B run)")
    config = load_settings(config_path)
    loaded = load_valid_files(Path(results_dir))
    chosen = _choose_run(loaded, pull_request, head)
    record = chosen.record
    runs = [r.record for r in loaded]
    order = main_order(Path(config_path), config.project.main_branch, runs)
    series = build_series(runs, order.shas)
    position = {sha: i for i, sha in enumerate(order.shas)}
    inputs = comparison_inputs(series, SampleIndex.of(runs), record.base.sha, record.head.sha, None, position)
    report = compare(record.base.sha, record.head.sha, inputs, dict(config.project.floors))
    context = _context(chosen, loaded, site_url)
    result = render_comment(report, context)
    if out_file:
        replace_file(Path(out_file), result.body.encode())
    if as_json:
        emit_json(
            {
                "body": result.body,
                "marker": MARKER,
                "pull_request": record.pull_request,
                "base": record.base.sha,
                "head": record.head.sha,
                "regressions": result.regressions,
                "improvements": result.improvements,
                "truncated": result.truncated,
            }
        )
    elif not out_file:
        click.echo(result.body, nl=False)
    append_summary(result.body)  # in Actions, the job summary shows it beside the run, PR or not
    err.print(f"{result.regressions} regressions, {result.improvements} improvements", highlight=False)
    if fail_on == "regression" and result.regressions:
        sys.exit(EXIT_REGRESSION)


def _choose_run(loaded: list[LoadedRun], pull_request: int | None, head: str | None) -> LoadedRun:
    """The first A/B run of the chosen head: the same run that names the head's permanent page."""
    ab = sorted(
        (r for r in loaded if r.record.base is not None),
        key=lambda r: (instant(r.record.started_at), r.record.run_id, r.record.machine),
    )
    if pull_request is not None:
        ab = [r for r in ab if r.record.pull_request == pull_request]
    if head:
        ab = [r for r in ab if r.record.head.sha.startswith(head.lower())]
    if not ab:
        what = f"PR #{pull_request}" if pull_request else f"head {head}"
        raise PerfpagesError(
            f"no A/B run for {what} in the results; run `perfpages run --against BASE --pr N` on the PR first"
        )
    newest_head = max(ab, key=lambda r: instant(r.record.finished_at)).record.head.sha
    return next(r for r in ab if r.record.head.sha == newest_head)


def _context(chosen: LoadedRun, loaded: list[LoadedRun], site_url: str | None) -> CommentContext:
    record = chosen.record
    same_pair = [r for r in loaded if r.record.base == record.base and r.record.head == record.head]
    page = urls.pr_page(record.pull_request, record.head.sha) if record.pull_request else None
    page = page or urls.ab_page(record.base.sha, record.head.sha)
    return CommentContext(
        base=record.base,
        head=record.head,
        pull_request=record.pull_request,
        branch=record.branch,
        machines=tuple(sorted({r.record.machine for r in same_pair})),
        ci_url=record.ci_url,
        page_url=_absolute(site_url, page),
        profile_urls=_profile_urls(chosen, site_url, page),
        failures=tuple(f for r in same_pair for f in r.record.failures),
    )


def _absolute(site_url: str | None, path: str) -> str | None:
    if not site_url:
        return None
    return site_url.rstrip("/") + "/" + urls.Links(path).url_of(path)


def _profile_urls(chosen: LoadedRun, site_url: str | None, page: str) -> dict[tuple[str, str], str]:
    """Profile diff pages the site build will make: both sides' callgrind outputs are on disk."""
    if not site_url:
        return {}
    folder = profiles_dir_for(chosen.path)
    return {
        (pair.machine, pair.label): _absolute(site_url, urls.profile_page(page, pair.slug))
        for pair in profile_pairs(chosen.record)
        if all((folder / name).is_file() for name in (*pair.base, *pair.head))
    }
