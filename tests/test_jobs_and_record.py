"""Jobs against real repositories: Ctrl-C leaves nothing, and recording survives a push race."""

import subprocess
from pathlib import Path

import pytest

from perfpages import git as perf_git
from perfpages.errors import GitError
from perfpages.runner.jobs import Job, run_here
from perfpages.runner.session import RunOptions
from tests.conftest import FakeExecutor, commit_file, git, make_record, make_scenario, ok_execution


def test_ctrl_c_mid_run_leaves_no_results_file(git_repo):
    calls = []

    def script(inv):
        calls.append(inv)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return ok_execution()

    job = Job((make_scenario("a", repetitions=5),), FakeExecutor(script), RunOptions("m", "r"), git_repo / "results")
    with pytest.raises(KeyboardInterrupt):
        run_here(perf_git.open_repo(git_repo), job)
    assert not (git_repo / "results").exists()


def test_run_here_attributes_results_to_head(git_repo):
    sha = commit_file(git_repo, "x.txt", "x", "a change")
    job = Job((make_scenario("a", repetitions=2),), FakeExecutor(), RunOptions("m", "r"), git_repo / "results")
    result = run_here(perf_git.open_repo(git_repo), job)
    assert result.record.head.sha == sha and result.record.head.subject == "a change"
    assert result.path.exists() and result.path.name == f"{sha[:12]}-r.json"


def write_result(clone: Path, run_id: str) -> Path:
    from perfpages.results.store import write_run

    head = perf_git.commit_info(perf_git.open_repo(clone), "HEAD")
    return write_run(clone / "results", make_record(run_id=run_id, head=head, measurements=()))


@pytest.fixture
def two_clones(tmp_path, git_repo):
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(git_repo), str(remote))
    clones = []
    for name in ("ci-a", "ci-b"):
        git(tmp_path, "clone", "-q", str(remote), name)
        git(tmp_path / name, "config", "user.name", "CI")
        git(tmp_path / name, "config", "user.email", "ci@example.com")
        clones.append(tmp_path / name)
    return remote, clones


def test_rejected_push_rebases_and_retries(two_clones):
    remote, (a, b) = two_clones
    first = write_result(b, "from-b")
    assert perf_git.record(perf_git.open_repo(b), [first], "b results", push=True).pushed

    slept = []
    mine = write_result(a, "from-a")
    outcome = perf_git.record(perf_git.open_repo(a), [mine], "a results", push=True, sleep=slept.append)
    assert outcome.pushed and outcome.attempts == 2 and len(slept) == 1
    log = git(remote, "log", "--format=%s", "main")
    assert log.splitlines()[:2] == ["a results", "b results"]
    files = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert sum(f.startswith("results/") for f in files) == 2


def test_a_push_refused_for_good_fails_at_once(two_clones):
    remote, (a, _) = two_clones
    mine = write_result(a, "from-a")
    # Protect the branch on the remote so every push is rejected.
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    slept = []
    with pytest.raises(GitError, match=r"origin refused the push to main: .*branch is protected"):
        perf_git.record(perf_git.open_repo(a), [mine], "a results", push=True, sleep=slept.append)
    assert slept == [], "a push refused for good is not retried"


def test_a_push_that_keeps_failing_retries_with_backoff_until_the_time_limit(two_clones):
    remote, (a, _) = two_clones
    mine = write_result(a, "from-a")
    (remote / "refs" / "heads" / "main.lock").write_text("")  # as if another push held the ref forever
    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    with pytest.raises(GitError, match=r"(?s)failed \d+ times in \d+ s: .*cannot lock ref.*record --push` again"):
        perf_git.record(perf_git.open_repo(a), [mine], "a", push=True, time_limit=20, sleep=sleep, clock=lambda: now[0])
    assert sum(slept) <= 20 and len(slept) >= 3
    assert all(0 <= wait <= perf_git.BACKOFF_BASE * 2**i for i, wait in enumerate(slept))


def test_record_with_nothing_new_commits_nothing(git_repo):
    outcome = perf_git.record(perf_git.open_repo(git_repo), [git_repo / "README"], "noop")
    assert outcome.commit is None


def test_cli_record_commits_only_new_results_files(git_repo):
    (git_repo / "stray.txt").write_text("not a result")
    path = write_result(git_repo, "r9")
    done = subprocess.run(
        [__import__("sys").executable, "-m", "perfpages", "record", "--json"],
        cwd=git_repo,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    committed = git(git_repo, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert committed == [str(path.relative_to(git_repo))]
    assert "stray.txt" in git(git_repo, "status", "--porcelain")


def test_commit_range_is_first_parent_oldest_first_and_a_single_rev_includes_the_root(git_repo):
    shas = [commit_file(git_repo, "f", str(i), f"c{i}") for i in range(3)]
    repo = perf_git.open_repo(git_repo)
    assert [c.sha for c in perf_git.commit_range(repo, f"{shas[0]}..HEAD")] == shas[1:]
    everything = perf_git.commit_range(repo, "HEAD")
    assert [c.subject for c in everything] == ["initial", "c0", "c1", "c2"]
    with pytest.raises(GitError, match="no commits"):
        perf_git.commit_range(repo, "HEAD..HEAD")
    with pytest.raises(GitError, match="git could not list this range"):
        perf_git.commit_range(repo, "nope..HEAD")


def test_run_ids_in_actions_name_run_attempt_and_job(monkeypatch):
    from perfpages.runner.jobs import new_run_id

    monkeypatch.setenv("GITHUB_RUN_ID", "7712345")
    monkeypatch.setenv("GITHUB_RUN_ATTEMPT", "2")
    monkeypatch.setenv("GITHUB_JOB", "bench pr/main")
    assert new_run_id() == "gh7712345-2-bench-pr-main"
    monkeypatch.delenv("GITHUB_RUN_ID")
    assert new_run_id() != new_run_id()  # random suffix outside Actions
