"""`perfpages import`: other tools' benchmark output -> results files."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from perfpages import git
from perfpages.cli.app import cli, emit_json, err
from perfpages.errors import GitError, PerfpagesError
from perfpages.importers import FORMATS
from perfpages.importers.convert import ImportOptions
from perfpages.importers.session import import_items
from perfpages.model import CommitInfo


@cli.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(sorted(FORMATS)))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--machine", help="Machine folder for every run [default: what the source says, else 'imported'].")
@click.option("--commit", "commit_rev", metavar="REV", help="The commit measured, for formats that do not say.")
@click.option(
    "--out", "out_dir", default="results", show_default=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--strict", is_flag=True, help="Stop at the first problem with exit 1 (files written so far stay).")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print {written, already_imported, empty_runs, points, failures, skipped, problems, warnings}.",
)
def import_(fmt, paths, machine, commit_rev, out_dir, strict, as_json) -> None:
    """Convert another tool's output into results files, one per run.

    \b
    FORMAT is one of: asv, bmf, criterion, github-action-benchmark, go,
    google-benchmark, hyperfine, k6, pyperf, pytest-benchmark, wrk.
    PATH is a file or a folder (asv: the results folder or the project).

    \b
    Raw samples are kept where the format has them, its spread or confidence
    interval where it does not. Commit metadata comes from the source when it has
    it (asv, github-action-benchmark); otherwise pass --commit, looked up in the
    local repository. Importing the same input again adds nothing. A malformed
    part of a file is reported with the file and the place in it, and the rest is
    imported; --strict makes any problem fatal.

    \b
    Examples:
      perfpages import asv .asv/results --machine ci-runner
      perfpages import hyperfine bench.json --commit HEAD
      perfpages import github-action-benchmark gh-pages/dev/bench/data.js
    """
    options = ImportOptions(fmt, machine, _resolve(commit_rev) if commit_rev else None)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("reading")
        tally = import_items(
            FORMATS[fmt](list(paths)),
            options,
            out_dir,
            _lookup,
            strict,
            lambda t: progress.update(task, description=str(t)),
        )
    if as_json:
        emit_json(tally.to_json())
    else:
        for problem in tally.problems:
            err.print(f"[yellow]problem:[/] {escape(str(problem))}", highlight=False, soft_wrap=True)
        for warning in tally.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
        err.print(f"{tally} → {out_dir}/", highlight=False)
    if strict and tally.problems:
        sys.exit(1)


def _resolve(rev: str) -> CommitInfo:
    try:
        return git.commit_info(git.open_repo(Path.cwd()), rev)
    except GitError:
        if len(rev) == 40 and all(c in "0123456789abcdef" for c in rev):
            return CommitInfo(sha=rev)  # no repository here: the SHA alone still files the run
        raise PerfpagesError(f"--commit {rev}: not a commit of a repository here; pass the full 40-hex SHA") from None


@cache
def _lookup(sha: str) -> CommitInfo | None:
    """Subject and dates of a commit the source names only by SHA, when this repository has it."""
    repo = _repo()
    if repo is None:
        return None
    try:
        return git.commit_info(repo, sha)
    except (GitError, PerfpagesError):
        return None


@cache
def _repo():
    """The repository here, or None: an import of someone else's history may run anywhere."""
    try:
        return git.open_repo(Path.cwd())
    except GitError:
        return None
