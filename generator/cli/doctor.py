"""`perfpages doctor`: check that a machine is ready to benchmark."""

from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table

from perfpages.cli.app import EXIT_NOT_READY, cli, emit_json, err, out
from perfpages.runner.callgrind import aslr_prefix, valgrind_path
from perfpages.runner.doctor import Status, Tools, diagnose
from perfpages.runner.fingerprint import fingerprint

STYLES = {Status.OK: "green", Status.WARN: "yellow", Status.UNKNOWN: "dim"}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print [{code, title, status, value, fix}, ...].")
@click.option("--strict", is_flag=True, help=f"Exit {EXIT_NOT_READY} when any check warns (for a runner's setup job).")
def doctor(as_json: bool, strict: bool) -> None:
    """Check that this machine is ready to benchmark, and say how to fix what is not.

    \b
    Checks the CPU governor, frequency boost, hyper-threading, address-space
    randomisation, isolated CPUs, background load, hardware counters and valgrind,
    after the bare-metal recipe in docs/workflows.md. A value the machine does not
    expose (common on VMs) is reported as unknown, not as a problem.
    """
    checks = diagnose(fingerprint(), Tools(valgrind=valgrind_path() is not None, aslr_off_per_run=bool(aslr_prefix())))
    if as_json:
        emit_json(
            [
                {"code": c.code, "title": c.title, "status": c.status.value, "value": c.value, "fix": c.fix}
                for c in checks
            ]
        )
    else:
        table = Table(title="Is this machine ready to benchmark?", title_justify="left")
        for column in ("check", "status", "now", "to fix"):
            table.add_column(column, overflow="fold")
        for c in checks:
            style = STYLES[c.status]
            fix = escape(c.fix) if c.status is not Status.OK else ""
            table.add_row(escape(c.title), f"[{style}]{c.status.value}[/]", escape(c.value), fix)
        out.print(table)
    warnings = sum(c.status is Status.WARN for c in checks)
    err.print(f"{warnings} warning{'s' if warnings != 1 else ''}", highlight=False)
    if strict and warnings:
        sys.exit(EXIT_NOT_READY)
