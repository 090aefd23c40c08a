"""The workflows' decisions, called directly: the bare-metal gate, the publish checks, the comment poster."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from perfpages.results.store import write_run
from perfpages.workflow.comments import post_comment
from perfpages.workflow.gate import decide
from perfpages.workflow.github import PullRequest, RestGitHub, WorkflowRun
from perfpages.workflow.publish import collect
from tests.conftest import SHA_A, SHA_B, make_commit, make_record
from tests.fakegithub import FakeGitHub, pull_request_payload, zip_folder

HEAD = "c" * 40
OLD = "d" * 40
REPO = "o/r"
BENCH = ".github/workflows/bench.yml"


def pr_event(action="synchronize", head_repo=REPO, association="MEMBER", number=7) -> dict:
    return pull_request_payload(number, HEAD, SHA_A, head_repo, association, action)


def comment_event(body: str, association="MEMBER", number=7, action="created") -> dict:
    return {
        "action": action,
        "issue": {"number": number, "pull_request": {"url": "…"}},
        "comment": {"body": body, "author_association": association},
    }


@pytest.fixture
def github() -> FakeGitHub:
    fake = FakeGitHub(REPO)
    fake.add_pull(PullRequest(7, "open", HEAD, "x/fork", SHA_A, "NONE"), [OLD, HEAD])
    return fake


@pytest.mark.parametrize(
    ("name", "event", "run", "sha"),
    [
        ("push", {"ref": "refs/heads/main", "after": SHA_B, "repository": {"default_branch": "main"}}, True, SHA_B),
        ("push", {"ref": "refs/heads/topic", "after": SHA_B, "repository": {"default_branch": "main"}}, False, ""),
        ("workflow_dispatch", {"inputs": {"ref": "v1.2", "base": "v1.1"}}, True, "v1.2"),
        ("pull_request_target", pr_event(), True, HEAD),
        ("pull_request_target", pr_event(association="OWNER", action="opened"), True, HEAD),
        # this repository's branch, by someone not trusted; and a fork, even by a collaborator
        ("pull_request_target", pr_event(association="CONTRIBUTOR"), False, ""),
        ("pull_request_target", pr_event(head_repo="x/fork", association="COLLABORATOR"), False, ""),
        ("pull_request_target", pr_event(action="labeled"), False, ""),
        ("issue_comment", comment_event(f"/benchmark {HEAD}"), True, HEAD),
        ("issue_comment", comment_event(f"Looks good.\n/benchmark {HEAD[:7]}\n"), True, HEAD),
        ("issue_comment", comment_event(f"/benchmark {OLD}"), False, ""),  # an older head: refused
        ("issue_comment", comment_event(f"/benchmark {HEAD}", association="NONE"), False, ""),
        ("issue_comment", comment_event(f"/benchmark {HEAD}", association="CONTRIBUTOR"), False, ""),
        ("issue_comment", comment_event(f"/benchmark {HEAD}", action="edited"), False, ""),
        ("issue_comment", comment_event("/benchmark please"), False, ""),
        ("issue_comment", comment_event(f"/benchmark {HEAD[:6]}"), False, ""),  # too short to name a commit
        ("pull_request", pr_event(), False, ""),  # the PR's own copy of the workflow: never trusted
        ("schedule", {}, False, ""),
    ],
)
def test_gate(github, name, event, run, sha):
    decision = decide(name, event, REPO, github)
    assert (decision.run, decision.sha) == (run, sha), decision.reason
    if run and name in ("pull_request_target", "issue_comment"):
        assert (decision.base, decision.pull_request) == (SHA_A, 7)
        assert decision.outputs() == {"run": "true", "sha": HEAD, "base": SHA_A, "pr": "7", "reason": decision.reason}


def test_gate_refuses_an_approval_of_a_closed_pull_request(github):
    github.add_pull(replace(github.pulls[7], state="closed"))
    assert not decide("issue_comment", comment_event(f"/benchmark {HEAD}"), REPO, github).run


def test_gate_tells_a_fork_how_to_get_approved():
    decision = decide("pull_request_target", pr_event(head_repo="x/fork"), REPO, FakeGitHub())
    assert f"`/benchmark {HEAD}`" in decision.reason


def test_rest_client_reads_what_the_fake_server_serves(github):
    url, server = github.serve()
    try:
        client = RestGitHub(REPO, api_url=url, token="t")
        assert client.pull_request(7) == github.pulls[7]
        assert client.pull_request_commits(7) == (OLD, HEAD)
        client.create_comment(7, "hi")
        assert [c.body for c in client.issue_comments(7)] == ["hi"]
    finally:
        server.shutdown()


# publish -------------------------------------------------------------------------------------


def bench_run(run_id: int, event: str, title: str = "", head: str = SHA_A, **over) -> WorkflowRun:
    values = dict(path=BENCH, repository=REPO, conclusion="success", display_title=title)
    values.update(over)
    return WorkflowRun(id=run_id, event=event, head_sha=head, **values)


def artifact(tmp_path: Path, *records, extra: dict[str, bytes] | None = None) -> bytes:
    folder = tmp_path / f"artifact-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    for record in records:
        write_run(folder, record)
    for name, data in (extra or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return zip_folder(folder)


def comparison(run_id: int, pr: int = 7, head: str = HEAD):
    return make_record(run_id=f"gh{run_id}-1-bench", head=make_commit(head), base=make_commit(SHA_A), pull_request=pr)


def publish(github: FakeGitHub, tmp_path: Path, runs: list[WorkflowRun]):
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    staging = tmp_path / f"staging-{len(list(tmp_path.glob('staging-*')))}"
    return collect(github, REPO, BENCH, runs, results, staging), results


def test_publish_records_a_pull_requests_comparison(github, tmp_path):
    github.add_artifact(11, "results-bm1", artifact(tmp_path, comparison(11)))
    report, results = publish(github, tmp_path, [bench_run(11, "issue_comment", "bench: issue_comment pr=7")])
    assert [v.accepted for v in report.verdicts] == [True]
    assert len(list(results.rglob("*.json"))) == 1
    assert report.comparisons == ((7, HEAD),)


def test_publish_refuses_the_forged_artifact_whole(github, tmp_path):
    """What a pull request's code on the runner could upload beside its own comparison."""
    main = make_record(run_id="gh12-1-bench")  # a valid `commit` run for a main commit, 10x slower
    forged = replace(
        main, measurements=tuple(replace(m, samples=tuple(10 * x for x in m.samples)) for m in main.measurements)
    )
    data = artifact(
        tmp_path,
        comparison(12),
        forged,
        extra={"NOTES.md": b"hi", ".gitattributes": b"* merge=ours", "bin/x": b"\x7fELF", "m/.hidden.json": b"{"},
    )
    github.add_artifact(12, "results-bm1", data)
    report, results = publish(github, tmp_path, [bench_run(12, "pull_request_target", "bench: pr pr=7")])
    (verdict,) = report.verdicts
    assert not verdict.accepted and report.refused(12)
    text = "\n".join(verdict.problems)
    for needle in ("NOTES.md: not a results file", ".gitattributes: a hidden file", "bin/x: not a results file"):
        assert needle in text
    assert "m/.hidden.json: a hidden file" in text
    assert "a commit run; run 12 may only produce comparison" in text
    assert not list(results.rglob("*")), "nothing of a refused artifact is recorded"


@pytest.mark.parametrize(
    ("record", "why"),
    [
        (lambda: comparison(13, pr=8), "names pull request 8; run 13 was for PR #7"),
        (lambda: comparison(13, head=SHA_B), "is not a commit this run was started for"),
        (lambda: comparison(99), "is not from bench run 13"),
    ],
)
def test_publish_holds_each_file_to_its_runs_pull_request(github, tmp_path, record, why):
    github.add_artifact(13, "results-bm1", artifact(tmp_path, record()))
    report, _ = publish(github, tmp_path, [bench_run(13, "issue_comment", "bench: issue_comment pr=7")])
    assert why in "\n".join(report.verdicts[0].problems)


def test_publish_refuses_a_run_it_cannot_tie_to_this_repositorys_bench_workflow(github, tmp_path):
    runs = [
        bench_run(21, "push", path=".github/workflows/other.yml"),
        bench_run(22, "push", repository="x/fork"),
        bench_run(23, "pull_request_target", "no number"),
        bench_run(24, "pull_request"),
    ]
    for run in runs:
        github.add_artifact(run.id, "results-bm1", artifact(tmp_path, comparison(run.id)))
    report, results = publish(github, tmp_path, runs)
    assert [r for r, _ in report.refused_runs] == [21, 22, 23, 24]
    assert not list(results.rglob("*.json"))


def test_publish_checks_every_file_like_check_does(github, tmp_path):
    good = comparison(14)
    folder = tmp_path / "bad"
    path = write_run(folder, good)
    doc = json.loads(path.read_text())
    doc["results"][0]["samples"] = ["ten"]
    path.write_text(json.dumps(doc))
    github.add_artifact(14, "results-bm1", zip_folder(folder))
    report, _ = publish(github, tmp_path, [bench_run(14, "issue_comment", "pr=7")])
    assert not report.verdicts[0].accepted


def test_a_push_run_may_record_only_the_pushed_commit(github, tmp_path):
    github.add_artifact(15, "results-bm1", artifact(tmp_path, make_record(run_id="gh15-1-bench")))
    github.add_artifact(16, "results-bm1", artifact(tmp_path, make_record(run_id="gh16-1-bench")))
    report, _ = publish(github, tmp_path, [bench_run(15, "push", head=SHA_A), bench_run(16, "push", head=SHA_B)])
    assert [v.accepted for v in report.verdicts] == [True, False]


def test_publish_is_idempotent_and_never_rewrites(github, tmp_path):
    github.add_artifact(17, "results-bm1", artifact(tmp_path, make_record(run_id="gh17-1-bench")))
    run = bench_run(17, "push")
    first, results = publish(github, tmp_path, [run])
    again, _ = publish(github, tmp_path, [run, run])
    assert [len(v.new) for v in first.verdicts] == [1]
    assert [(len(v.new), len(v.recorded), v.accepted) for v in again.verdicts] == [(0, 1, True)]
    (path,) = results.rglob("*.json")
    path.write_text(path.read_text().replace("0.5", "5.0"))
    changed, _ = publish(github, tmp_path, [run])
    assert "with other content" in changed.verdicts[0].problems[0]


def test_publish_refuses_unsafe_archive_members(github, tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.json", "{}")
    github.add_artifact(18, "results-bm1", buffer.getvalue())
    report, _ = publish(github, tmp_path, [bench_run(18, "push")])
    assert report.verdicts[0].problems == ("../escape.json: not a plain relative path",)
    assert not (tmp_path / "escape.json").exists()


def test_failed_runs_and_other_artifacts_are_skipped_and_counted(github, tmp_path):
    github.add_artifact(19, "coverage", b"")
    report, _ = publish(github, tmp_path, [bench_run(19, "push"), bench_run(20, "push", conclusion="failure")])
    assert report.skipped == ((19, "uploaded no results artifact"), (20, "ended with failure"))


def test_post_comment_edits_in_place_and_waits_for_the_head(github):
    assert post_comment(github, 7, HEAD, "<!-- m -->one", "<!-- m -->").startswith("created")
    assert post_comment(github, 7, HEAD, "<!-- m -->two", "<!-- m -->").startswith("updated")
    assert [c.body for c in github.comments[7]] == ["<!-- m -->two"]
    assert post_comment(github, 7, OLD, "<!-- m -->old", "<!-- m -->").startswith("not commented")


def test_run_summary_escapes_and_lists_failures():
    from perfpages.cli.app import fmt_value
    from perfpages.model import Failure
    from perfpages.workflow.summary import run_summary

    record = make_record(
        head=make_commit(subject="<b>x</b> | y"),
        failures=(Failure("serve", SHA_A, "measure", "exit 1"),),
    )
    text = run_summary(record, fmt_value)
    assert "&lt;b&gt;x&lt;/b&gt; \\| y" in text and "| parse | head | wall\\_time ↓ | 3 | 500.000 ms |" in text
    assert "- **failed:** serve (measure): exit 1" in text
