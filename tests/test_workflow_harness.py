"""This repository's workflows, run step by step by tests/actions_harness.py for each kind of event.

The origin is a local bare repository holding a small project; the GitHub API is a fake served
over HTTP. Each test asserts the gate's decision and what reached the origin's main branch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfpages.workflow.github import PullRequest
from tests.actions_harness import Actions, RunResult, perfpages_wrapper
from tests.conftest import git
from tests.fakegithub import FakeGitHub, pull_request_payload, run_json, zip_folder

pytestmark = pytest.mark.slow

PROJECT = """\
project: {name: demo, main_branch: main}
defaults: {warmup: 0, repetitions: 2, timeout: 60}
scenarios:
  - name: quick
    command: ["python3", "-c", "sum(range(20000))"]
    metrics: [wall_time]
"""
FORK = "x/fork"


@pytest.fixture
def actions(tmp_path: Path):
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    work = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    (work / "perfpages.yml").write_text(PROJECT)
    (work / ".gitignore").write_text("/site/\n/.perfpages-cache/\n")
    git(work, "add", "perfpages.yml", ".gitignore")
    commit(work, "bench.txt", "one", "Start")
    git(work, "push", "-q", "origin", "HEAD:main")
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Dev\n\temail = dev@example.com\n")
    perfpages_wrapper(tmp_path / "bin")
    github = FakeGitHub("o/r")
    url, server = github.serve()
    harness = Actions(tmp_path, origin, github, url, stubs={"Build the dashboard": "mkdir -p site"})
    harness.work = work
    yield harness
    server.shutdown()


def commit(work: Path, name: str, text: str, message: str) -> str:
    (work / name).write_text(text)
    git(work, "add", name)
    git(work, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", message)
    return git(work, "rev-parse", "HEAD").strip()


def push_to_main(actions: Actions, text: str) -> tuple[str, RunResult]:
    git(actions.work, "pull", "-q", "--rebase", "origin", "main")
    sha = commit(actions.work, "bench.txt", text, f"Change {text}")
    git(actions.work, "push", "-q", "origin", "HEAD:main")
    payload = {"ref": "refs/heads/main", "after": sha}
    return sha, actions.trigger("bench.yml", "push", payload, sha)


def open_pull(actions: Actions, number: int, head_repo: str, association: str) -> tuple[str, str]:
    """A PR's head commit, pushed to refs/pull/N/head as GitHub does for forks too."""
    git(actions.work, "fetch", "-q", "origin", "main")
    base = git(actions.work, "rev-parse", "origin/main").strip()
    branches = git(actions.work, "branch", "--list", f"pr{number}").strip()
    git(actions.work, "checkout", "-q", *([f"pr{number}"] if branches else ["-b", f"pr{number}", "origin/main"]))
    previous = git(actions.work, "rev-parse", "HEAD").strip()
    head = commit(actions.work, "bench.txt", f"pr {number} after {previous}", f"PR {number}")
    git(actions.work, "push", "-q", "origin", f"HEAD:refs/pull/{number}/head")
    git(actions.work, "checkout", "-q", "main")
    actions.github.add_pull(PullRequest(number, "open", head, head_repo, base, association))
    return base, head


def approval(actions: Actions, number: int, sha: str, association: str = "MEMBER") -> RunResult:
    payload = {
        "action": "created",
        "issue": {"number": number, "pull_request": {"url": "…"}},
        "comment": {"body": f"/benchmark {sha}", "author_association": association},
    }
    main = git(actions.work, "rev-parse", "origin/main").strip()
    return actions.trigger("bench.yml", "issue_comment", payload, main)


def publish(actions: Actions, bench: RunResult) -> RunResult:
    """The workflow_run event GitHub sends when a bench run completes."""
    run = bench.run
    payload = {"workflow_run": run_json(run)}
    return actions.trigger("publish.yml", "workflow_run", payload, run.head_sha)


def recorded(actions: Actions) -> list[dict]:
    """The results files on the origin's main branch."""
    git(actions.work, "fetch", "-q", "origin", "main")
    names = git(actions.work, "ls-tree", "-r", "--name-only", "origin/main", "results").split()
    return [json.loads(git(actions.work, "show", f"origin/main:{n}")) for n in names if n.endswith(".json")]


def gate(result: RunResult) -> dict[str, str]:
    return result.step("gate", "decide").outputs


def test_a_push_to_main_is_measured_and_recorded(actions):
    sha, bench = push_to_main(actions, "two")
    assert gate(bench)["run"] == "true" and gate(bench)["sha"] == sha
    assert bench.jobs["bench/bench"].result == "success"
    assert bench.run.display_title == "bench: push pr=none"
    assert "### perfpages run on bare-metal-1" in bench.summary
    assert "| quick | head | wall\\_time ↓ | 2 |" in bench.summary, bench.summary
    done = publish(actions, bench)
    assert done.jobs["publish/record"].result == "success", done.summary
    assert [(d["run"]["head"], d["run"].get("base")) for d in recorded(actions)] == [(sha, None)]
    assert "1 new file recorded" in done.summary


def test_a_same_repository_pull_request_by_a_member_runs_and_is_commented(actions):
    base, head = open_pull(actions, 7, "o/r", "MEMBER")
    bench = actions.trigger(
        "bench.yml", "pull_request_target", pull_request_payload(7, head, base, "o/r", "MEMBER"), base
    )
    assert (gate(bench)["run"], gate(bench)["sha"], gate(bench)["pr"]) == ("true", head, "7")
    done = publish(actions, bench)
    assert done.jobs["publish/record"].result == "success", done.summary
    (run,) = recorded(actions)
    assert (run["run"]["head"], run["run"]["base"], run["run"]["pull_request"]) == (head, base, 7)
    assert done.jobs["publish/comment"].result == "success", done.jobs["publish/comment"].steps[-1].log
    (posted,) = actions.github.comments[7]
    assert posted.body.startswith("<!-- perfpages-comment -->")
    assert "## Benchmark results" in done.jobs["publish/comment"].summary  # `comment` writes the job summary


def test_a_fork_pull_request_without_approval_does_not_run(actions):
    base, head = open_pull(actions, 8, FORK, "CONTRIBUTOR")
    bench = actions.trigger(
        "bench.yml", "pull_request_target", pull_request_payload(8, head, base, FORK, "CONTRIBUTOR"), base
    )
    assert gate(bench)["run"] == "false"
    assert bench.jobs["bench/bench"].result == "skipped"
    assert f"/benchmark {head}" in bench.summary
    assert not actions.github.run_artifacts.get(bench.run.id)


def test_a_fork_pull_request_approved_at_an_older_sha_is_refused(actions):
    _, old = open_pull(actions, 9, FORK, "NONE")
    open_pull(actions, 9, FORK, "NONE")  # the contributor pushed again after the review
    bench = approval(actions, 9, old)
    assert gate(bench)["run"] == "false"
    assert "not the head of #9" in gate(bench)["reason"]
    assert bench.jobs["bench/bench"].result == "skipped"


def test_an_approval_by_someone_untrusted_is_refused(actions):
    _, head = open_pull(actions, 10, FORK, "NONE")
    bench = approval(actions, 10, head, association="CONTRIBUTOR")
    assert gate(bench)["run"] == "false" and bench.jobs["bench/bench"].result == "skipped"


def test_a_fork_pull_request_approved_at_its_head_runs_that_sha_only(actions):
    base, head = open_pull(actions, 11, FORK, "NONE")
    bench = approval(actions, 11, head[:12])
    assert (gate(bench)["run"], gate(bench)["sha"], gate(bench)["base"]) == ("true", head, base)
    assert bench.run.display_title == "bench: issue_comment pr=11"
    done = publish(actions, bench)
    assert done.jobs["publish/record"].result == "success", done.summary
    (run,) = recorded(actions)
    assert (run["run"]["head"], run["run"]["pull_request"]) == (head, 11)
    assert len(actions.github.comments[11]) == 1


def test_a_workflow_dispatch_passes_its_inputs_to_the_run(actions):
    main = git(actions.work, "rev-parse", "HEAD").strip()
    inputs = {"ref": main, "base": "", "scenarios": "quick", "repetitions": "3", "publish": True}
    bench = actions.trigger("bench.yml", "workflow_dispatch", {"inputs": inputs}, main)
    assert (gate(bench)["run"], gate(bench)["sha"]) == ("true", main)
    publish(actions, bench)
    (run,) = recorded(actions)
    assert [len(r["samples"]) for r in run["results"]] == [3]
    quiet = actions.trigger("bench.yml", "workflow_dispatch", {"inputs": {**inputs, "publish": False}}, main)
    assert quiet.jobs["bench/bench"].result == "success" and not actions.github.run_artifacts.get(quiet.run.id)


def test_a_forged_artifact_is_refused_and_nothing_of_it_recorded(actions, tmp_path):
    base, head = open_pull(actions, 12, FORK, "NONE")
    bench = approval(actions, 12, head)
    assert bench.jobs["bench/bench"].result == "success"
    ((artifact, data),) = actions.github.run_artifacts[bench.run.id]
    # What the PR's code could add on the runner: a `kind: commit` run for main, and other files.
    folder = tmp_path / "forged"
    import io
    import zipfile

    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    (real,) = folder.rglob("*.json")
    doc = json.loads(real.read_text())
    doc["run"]["base"] = doc["run"]["pull_request"] = None
    doc["run"]["kind"] = "commit"
    doc["run"]["head"] = base
    doc["commits"] = {base: doc["commits"][base]}
    doc["results"] = [r for r in doc["results"] if r["commit"] == head]
    for r in doc["results"]:
        r["commit"], r["samples"] = base, [10 * s for s in r["samples"]]
    (real.parent / f"{base[:12]}-{doc['run']['id']}.json").write_text(json.dumps(doc))
    (folder / "NOTES.md").write_text("hello")
    (folder / ".gitattributes").write_text("* merge=ours\n")
    actions.github.run_artifacts[bench.run.id] = [(artifact, zip_folder(folder))]
    done = publish(actions, bench)
    assert done.jobs["publish/record"].result == "failure"
    assert "**refused**" in done.summary and "a commit run" in done.summary and "NOTES.md" in done.summary
    assert recorded(actions) == []
    assert done.jobs["publish/comment"].result == "skipped"


def test_three_bench_runs_finishing_together_lose_nothing(actions):
    runs = [push_to_main(actions, text) for text in ("a", "b", "c")]
    # GitHub starts the first publish; the second waits and is replaced by the third.
    publish(actions, runs[0][1])
    last = publish(actions, runs[2][1])
    assert last.jobs["publish/record"].result == "success", last.summary
    assert sorted(d["run"]["head"] for d in recorded(actions)) == sorted(sha for sha, _ in runs)
    late = publish(actions, runs[1][1])  # had it run after all: nothing twice
    assert (
        late.step("record", "Check every unrecorded artifact and add the accepted results").outputs["recorded"] == "0"
    )
    assert len(recorded(actions)) == 3
