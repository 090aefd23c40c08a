"""The ``perfpages`` command group, shared options and output helpers.

The ``perfpages.cli`` package is the only code that prints or exits.

Exit codes: 0 success; 1 an error perfpages explains (bad config, invalid results,
git failure); 2 wrong usage; 3 the run finished but at least one scenario failed
(its results file is still written, with the failure recorded); 4 `compare` or
`comment --fail-on regression` found a regression; 5 `doctor --strict` found the
machine not ready.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import sys
from typing import TYPE_CHECKING, NoReturn

import click
from rich.console import Console
from rich.markup import escape

from perfpages import __version__
from perfpages.errors import PerfpagesError, RunStopped
from perfpages.render.units import DIMENSIONLESS

if TYPE_CHECKING:
    from perfpages.results.order import MainOrder

EXIT_SCENARIO_FAILED = 3
EXIT_REGRESSION = 4
EXIT_NOT_READY = 5
# Outside a terminal (CI logs, pipes) rich would assume 80 columns and fold scenario labels.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def results_option(help_text: str):
    return click.option(
        "--results",
        "results_dir",
        default="results",
        show_default=True,
        type=click.Path(file_okay=False),
        help=help_text,
    )


fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(["regression", "never"]),
    default="never",
    show_default=True,
    help=f"Exit {EXIT_REGRESSION} when the comparison finds a regression.",
)

config_option = click.option(
    "-c",
    "--config",
    "config_path",
    default="perfpages.yml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Scenario file.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="perfpages")
def cli() -> None:
    """Continuous benchmarking with results in git and a static dashboard.

    \b
    Typical use:
      perfpages run                      measure HEAD, write results/<machine>/...json
      perfpages run --against main       interleaved A/B of main's merge base vs HEAD
      perfpages run --commits v1.0..main backfill history, one results file per commit
      perfpages check                    validate every results file
      perfpages record --push            commit new results and push, retrying on races
      perfpages build                    generate the dashboard into site/
      perfpages comment --pr 42          the PR comment for PR 42's A/B run
      perfpages doctor                   is this machine ready to benchmark?

    Scenarios are described in perfpages.yml; see docs/configuration.md.
    """


def emit_json(doc) -> None:
    # Plain json.dumps, not rich: rich wraps long lines at the console width, which breaks JSON.
    click.echo(json.dumps(doc, indent=2, sort_keys=True))


def say_order(order: MainOrder) -> None:
    """Why commit dates decide the order, and which runs no series holds: never left unsaid."""
    for message in order.messages():
        err.print(f"[yellow]note:[/] {escape(message)}", highlight=False, soft_wrap=True)


def main() -> NoReturn:
    try:
        _run()
    except SystemExit as exc:
        _leave(exc.code)
    _leave(0)


def _leave(code: int | str | None) -> NoReturn:
    """Exit without tearing down every imported module (numpy, scipy, mkdocs): that takes 0.2 s
    at the end of each command. Exit handlers run, and output is flushed, as on a normal exit."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a reader that went away: as Python ignores it at exit
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def _run() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted; no results file was written for the unfinished run")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PerfpagesError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except RunStopped as exc:
        name = signal.Signals(exc.signum).name
        err.print(f"stopped by {name}; no results file was written for the unfinished run")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted; no results file was written for the unfinished run")
        sys.exit(130)


def fmt_value(value: float, unit: str) -> str:
    if unit == "s":
        for scale, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if value >= scale:
                return f"{value / scale:.3f} {suffix}"
        return f"{value * 1e9:.0f} ns"
    if unit == "bytes":
        return f"{value / 2**20:.1f} MiB"
    if unit == "instructions":
        return f"{value:,.0f}"
    number = f"{value:,.6g}" if value < 1e6 else f"{value:,.0f}"
    return number if unit in DIMENSIONLESS else f"{number} {unit}"  # no "0.02 1" for a ratio
