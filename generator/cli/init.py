"""`perfpages init`: adopt perfpages in a repository in one step."""

from __future__ import annotations

from pathlib import Path

import click

from perfpages import git
from perfpages.adopt.detect import detect
from perfpages.adopt.files import plan
from perfpages.cli.app import cli, err, out
from perfpages.errors import GitError, PerfpagesError


@cli.command()
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite perfpages.yml and the workflow callers if they exist.")
@click.option("--ref", default="main", show_default=True, help="The perfpages commit or tag the workflows call.")
@click.option(
    "--branch",
    metavar="NAME",
    help="The repository's main branch, whose pushes are measured (default: the branch checked out, else main).",
)
def init(dry_run: bool, force: bool, ref: str, branch: str | None) -> None:
    """Detect the benchmark tools here and write perfpages.yml, the workflow callers and .gitignore lines.

    \b
    Finds asv, pytest-benchmark, criterion, Google Benchmark, go test benchmarks and
    hyperfine scripts; each becomes a scenario that runs the tool's suite. An existing
    mkdocs.yml is left alone: `perfpages build` layers its pages on top of it.
    """
    root = Path.cwd()
    tools = detect(root)
    branch = branch or _checked_out_branch(root)
    planned = plan(root, tools, ref, branch)
    clashes = [p.path for p in planned if not p.append and (root / p.path).exists()]
    if clashes and not force and not dry_run:
        raise PerfpagesError(f"{', '.join(clashes)}: already there; pass --force to overwrite, or --dry-run to look")
    err.print(f"main branch: {branch} (--branch to choose another)", highlight=False, markup=False)
    for tool in tools:
        err.print(f"found {tool.tool} ({tool.evidence})", highlight=False, markup=False)
    if not tools:
        err.print("found no benchmark tool; perfpages.yml gets an example scenario to replace", highlight=False)
    for item in planned:
        if item.append and not item.text:
            continue
        verb = "append to" if item.append else ("overwrite" if (root / item.path).exists() else "write")
        if dry_run:
            out.print(f"--- would {verb} {item.path}", highlight=False, markup=False)
            out.print(item.text, highlight=False, markup=False, end="")
            continue
        target = root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a" if item.append else "w", encoding="utf-8") as handle:
            handle.write(item.text)
        err.print(f"{verb} {item.path}", highlight=False, markup=False)


def _checked_out_branch(root: Path) -> str:
    """The branch checked out here ("master" in many repositories), or main outside git."""
    try:
        return git.current_branch(git.open_repo(root)) or "main"
    except GitError:
        return "main"
