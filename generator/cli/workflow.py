"""`perfpages gate`, `perfpages publish-verify` and `perfpages post-comment`: the workflows' decisions.

Each reads GitHub Actions' environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
GITHUB_API_URL, GH_TOKEN) and writes $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY, so the YAML only
wires them together. See docs/workflows.md.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from perfpages.cli.app import cli, emit_json, err, results_option
from perfpages.errors import PerfpagesError
from perfpages.render.comment import MARKER
from perfpages.workflow.actions import append_summary, event_payload, set_outputs
from perfpages.workflow.comments import post_comment
from perfpages.workflow.gate import decide
from perfpages.workflow.github import RestGitHub, WorkflowRun
from perfpages.workflow.publish import collect
from perfpages.workflow.summary import gate_summary, publish_summary

event_option = click.option(
    "--event", "event_path", type=click.Path(dir_okay=False), help="Event payload [default: $GITHUB_EVENT_PATH]."
)
repository_option = click.option(
    "--repository", envvar="GITHUB_REPOSITORY", required=True, help="owner/name [env GITHUB_REPOSITORY]."
)


@cli.command()
@click.option("--event-name", envvar="GITHUB_EVENT_NAME", required=True, help="[env GITHUB_EVENT_NAME]")
@event_option
@repository_option
def gate(event_name: str, event_path: str | None, repository: str) -> None:
    """Decide whether this event may run on the bare-metal machines, and at which commit.

    \b
    Writes the step outputs run (true/false), sha, base, pr and reason, and a line
    to the job summary. Always exits 0 when it could decide: "no" is an answer.
    """
    decision = decide(event_name, event_payload(event_path), repository, RestGitHub(repository))
    set_outputs(decision.outputs())
    append_summary(gate_summary(event_name, decision))
    err.print(f"{'run' if decision.run else 'skip'}: {decision.reason}", highlight=False, markup=False)


@cli.command("publish-verify")
@event_option
@repository_option
@click.option(
    "--workflow",
    "workflow_path",
    default=".github/workflows/bench.yml",
    show_default=True,
    help="The bench workflow file whose runs may be recorded.",
)
@click.option("--recent", default=30, show_default=True, type=click.IntRange(min=0), help="Also sweep this many runs.")
@results_option("Results folder to add the accepted files to.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def publish_verify(event_path, repository, workflow_path, recent, results_dir, as_json) -> None:
    """Check the bench runs' artifacts and copy the accepted results files into the results folder.

    \b
    Takes the run that triggered this workflow (a workflow_run event) and the last
    --recent completed runs of --workflow, so a publish that GitHub dropped from its
    queue is made up by the next. Outputs: recorded (number of new files) and
    comparisons (JSON list of [pr, head] to comment on). Exits 1 when the triggering
    run, or one of its artifacts, is refused; the reasons are in the job summary.
    """
    github = RestGitHub(repository)
    payload = event_payload(event_path) if (event_path or os.environ.get("GITHUB_EVENT_PATH")) else {}
    trigger = WorkflowRun.from_api(payload["workflow_run"]) if payload.get("workflow_run") else None
    runs = [*([trigger] if trigger else []), *github.workflow_runs(workflow_path, recent)]
    with tempfile.TemporaryDirectory(prefix="perfpages-artifacts-") as staging:
        report = collect(github, repository, workflow_path, runs, Path(results_dir), Path(staging))
    recorded = sum(len(v.new) for v in report.verdicts if v.accepted)
    set_outputs({"recorded": str(recorded), "comparisons": json.dumps(report.comparisons)})
    append_summary(publish_summary(report))
    if as_json:
        emit_json(
            {
                "recorded": recorded,
                "comparisons": report.comparisons,
                "refused_runs": report.refused_runs,
                "skipped": report.skipped,
                "artifacts": [_verdict_json(v) for v in report.verdicts],
            }
        )
    for v in report.verdicts:
        for problem in v.problems:
            err.print(f"refused run {v.run_id} {v.artifact}: {problem}", highlight=False, markup=False)
    for run_id, why in report.refused_runs:
        err.print(f"refused run {run_id}: {why}", highlight=False, markup=False)
    err.print(f"recorded {recorded} new file(s) from {len(report.verdicts)} artifact(s)", highlight=False)
    if trigger is not None and report.refused(trigger.id):
        sys.exit(1)


def _verdict_json(v) -> dict:
    return {"run": v.run_id, "artifact": v.artifact, "new": v.new, "recorded": v.recorded, "problems": v.problems}


@cli.command("post-comment")
@repository_option
@click.option("--pr", "pull_request", required=True, type=click.IntRange(min=1))
@click.option("--head", required=True, metavar="SHA", help="The head the comment is about (40 hex).")
@click.option("--body", "body_file", required=True, type=click.Path(exists=True, dir_okay=False))
def post_comment_command(repository: str, pull_request: int, head: str, body_file: str) -> None:
    """Post the comment `perfpages comment --out` wrote, or edit the earlier one in place.

    Nothing is posted when the PR's head has moved on from --head.
    """
    body = Path(body_file).read_text(encoding="utf-8")
    if not body.startswith(MARKER):
        raise PerfpagesError(f"{body_file}: does not start with {MARKER}; write it with `perfpages comment --out`")
    outcome = post_comment(RestGitHub(repository), pull_request, head, body, MARKER)
    err.print(outcome, highlight=False, markup=False)
