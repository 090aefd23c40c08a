"""`perfpages build` and `perfpages serve`: the static dashboard."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import click
from rich.markup import escape

from perfpages.cli.app import cli, config_option, emit_json, err, results_option, say_order
from perfpages.errors import PerfpagesError
from perfpages.site.build import GenerateReport, generate, mkdocs_build, mkdocs_settings

mkdocs_option = click.option(
    "--mkdocs",
    "mkdocs_file",
    default="mkdocs.yml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="MkDocs configuration; pages are generated into <docs_dir>/perf/.",
)


@cli.command()
@config_option
@results_option("Results folder.")
@mkdocs_option
@click.option("--no-mkdocs", is_flag=True, help="Only generate docs/perf/; do not run mkdocs build.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that parse new results files, judge new comparisons and, for a long history, "
    "detect change points and write chart data [default: the CPUs this process may use]. "
    "1 does everything in this process.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was generated and how long it took, as JSON.")
def build(
    config_path: str, results_dir: str, mkdocs_file: str, no_mkdocs: bool, jobs: int | None, as_json: bool
) -> None:
    """Build the dashboard: generate pages from results/, then `mkdocs build --strict`.

    \b
    Generated Markdown, JSON and assets go into the owned folder <docs_dir>/perf/
    (gitignore it). Only files whose bytes changed are rewritten and stale ones are
    deleted; a folder without perfpages' marker file is never touched. The same
    results always give the same bytes. The site lands in site_dir (site/).
    Serve it with any static server, or preview with `perfpages serve`.

    \b
    What one build parsed and judged is kept in .perfpages-cache/ beside the
    scenario file (gitignore it; deleting it only makes the next build slower):
    after one new run, only that run is parsed, and a PR comparison is judged
    again only when a run it depends on changed.
    """
    settings = mkdocs_settings(Path(mkdocs_file))
    report = generate(Path(config_path), Path(results_dir), settings, jobs or len(os.sched_getaffinity(0)))
    mkdocs_seconds = None if no_mkdocs else mkdocs_build(settings)
    if as_json:
        emit_json(_report_json(report, mkdocs_seconds, settings.site_dir))
        return
    _print_report(report)
    if mkdocs_seconds is not None:
        err.print(f"site built in {mkdocs_seconds:.1f} s: {settings.site_dir}/index.html", highlight=False)


@cli.command()
@config_option
@results_option("Results folder.")
@mkdocs_option
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
def serve(config_path: str, results_dir: str, mkdocs_file: str, dev_addr: str) -> None:
    """Preview the dashboard with live reload.

    \b
    Pages are regenerated whenever results/ or the scenario file change (checked
    every second); MkDocs then reloads the browser. Edits to hand-written docs
    reload as usual.
    """
    from mkdocs.commands.serve import serve as mkdocs_serve

    settings = mkdocs_settings(Path(mkdocs_file))
    _print_report(generate(Path(config_path), Path(results_dir), settings))
    watcher = threading.Thread(
        target=_regenerate_on_change, args=(Path(config_path), Path(results_dir), settings), daemon=True
    )
    watcher.start()
    err.print(f"serving on http://{dev_addr}/ (Ctrl-C stops); pages regenerate when results change", highlight=False)
    mkdocs_serve(config_file=str(settings.config_file), dev_addr=dev_addr, livereload=True)


def _regenerate_on_change(config_path: Path, results_dir: Path, settings) -> None:
    # Only results and the scenario file trigger generation; generation never reacts to its own output.
    last = _fingerprint(config_path, results_dir)
    while True:
        time.sleep(1.0)
        now = _fingerprint(config_path, results_dir)
        if now == last:
            continue
        last = now
        try:
            _print_report(generate(config_path, results_dir, settings))
        except PerfpagesError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)


def _fingerprint(config_path: Path, results_dir: Path) -> tuple:
    files = [config_path, *sorted(results_dir.rglob("*.json"))] if results_dir.is_dir() else [config_path]
    stats = ((f, f.stat()) for f in files if f.exists())
    return tuple((str(f), st.st_mtime_ns, st.st_size) for f, st in stats)


def _print_report(report: GenerateReport) -> None:
    s = report.stats
    err.print(
        f"generated {report.pages} pages, {report.files} files from {report.runs} runs, {report.series} series "
        f"in {report.seconds:.1f} s: {s.written} written, {s.unchanged} unchanged, {s.deleted} deleted",
        highlight=False,
    )
    say_order(report.order)
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)


def _report_json(report: GenerateReport, mkdocs_seconds: float | None, site_dir: Path) -> dict:
    return {
        "runs": report.runs,
        "series": report.series,
        "pages": report.pages,
        "files": report.files,
        "written": report.stats.written,
        "unchanged": report.stats.unchanged,
        "deleted": report.stats.deleted,
        "order": report.order.source,
        "order_note": report.order.note,
        "left_out": [x.to_json() for x in report.order.left_out],
        "generate_seconds": round(report.seconds, 3),
        "mkdocs_seconds": None if mkdocs_seconds is None else round(mkdocs_seconds, 3),
        "site_dir": str(site_dir),
        "warnings": list(report.warnings),
    }
