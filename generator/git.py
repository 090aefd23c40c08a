"""Everything perfpages asks of git. The only module that imports gitpython."""

from __future__ import annotations

import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git
from git.exc import GitCommandError, InvalidGitRepositoryError, NoSuchPathError

from perfpages.errors import GitError
from perfpages.model import CommitInfo
from perfpages.processes import identity, still_running

FALLBACK_IDENTITY = {"name": "perfpages", "email": "perfpages@users.noreply.github.com"}


def open_repo(path: Path) -> git.Repo:
    try:
        return git.Repo(path, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise GitError(
            f"{path}: not inside a git repository; perfpages attributes results to commits, "
            "so run it in a clone (git init && git commit for a new project)"
        ) from None


def repo_root(repo: git.Repo) -> Path:
    return Path(repo.working_tree_dir or ".")


def commit_info(repo: git.Repo, rev: str) -> CommitInfo:
    try:
        commit = repo.commit(rev)
    except (git.BadName, ValueError, GitCommandError):
        raise GitError(f"{rev!r}: no such commit in {repo_root(repo)}; check the name or fetch it first") from None
    return _info(commit)


def _info(commit: git.Commit) -> CommitInfo:
    return CommitInfo(
        sha=commit.hexsha,
        subject=commit.summary if isinstance(commit.summary, str) else commit.summary.decode(errors="replace"),
        author=commit.author.name or "",
        author_date=commit.authored_datetime.isoformat(),
        committer_date=commit.committed_datetime.isoformat(),
        parents=tuple(p.hexsha for p in commit.parents),
    )


def current_branch(repo: git.Repo) -> str | None:
    return None if repo.head.is_detached else repo.active_branch.name


def has_tracked_changes(repo: git.Repo) -> bool:
    """Uncommitted edits to tracked files (new results files are untracked and do not count)."""
    return repo.is_dirty(untracked_files=False)


def commit_range(repo: git.Repo, spec: str) -> list[CommitInfo]:
    """Commits of ``A..B`` along first parents, oldest first: the order a backfill runs in.

    A single revision means all of its first-parent history, root commit included.
    """
    try:
        commits = list(repo.iter_commits(spec, first_parent=True, reverse=True))
    except GitCommandError as exc:
        hint = (
            "; the history may be shorter than that (a young repository, or a shallow clone: "
            "`git fetch --unshallow`): name a range that exists, e.g. `$(git rev-list --max-parents=0 HEAD)..HEAD`"
            if "~" in spec or "^" in spec
            else ""
        )
        raise GitError(f"{spec!r}: git could not list this range: {_stderr(exc)}{hint}") from None
    if not commits:
        raise GitError(f"{spec!r}: the range holds no commits")
    return [_info(c) for c in commits]


def first_parent_shas(repo: git.Repo, branch: str) -> list[str]:
    """Full SHAs of ``branch``'s first-parent history, oldest first: the order of a series."""
    for ref in (branch, f"origin/{branch}"):
        try:
            return [c.hexsha for c in repo.iter_commits(ref, first_parent=True, reverse=True)]
        except (GitCommandError, ValueError):
            continue
    raise GitError(f"no branch {branch!r} (nor origin/{branch}); set project.main_branch in perfpages.yml")


def is_shallow(repo: git.Repo) -> bool:
    """A clone made with ``--depth`` (actions/checkout's default): most history is not in it."""
    return repo.git.rev_parse("--is-shallow-repository").strip() == "true"


def missing_commits(repo: git.Repo, shas: list[str]) -> list[str]:
    """Those of ``shas`` (full SHAs) that are not commits in the local repository; gitpython asks
    one long-lived ``git cat-file --batch-check`` process, so thousands cost milliseconds."""
    return [sha for sha in shas if not _has_commit(repo, sha)]


def _has_commit(repo: git.Repo, sha: str) -> bool:
    try:
        return repo.odb.info(bytes.fromhex(sha)).type == b"commit"
    except (ValueError, GitCommandError):
        return False


def merge_base(repo: git.Repo, a: str, b: str) -> str:
    bases = repo.merge_base(a, b)
    if not bases:
        raise GitError(f"{a} and {b} share no history")
    return bases[0].hexsha


WORKTREE_PREFIX = "perfpages-wt-"
OWNER_MARKER = ".perfpages-owner"  # in a worktree's parent folder: who made it (processes.identity)


@contextmanager
def worktree(repo: git.Repo, sha: str) -> Iterator[Path]:
    """A detached checkout of ``sha`` in a temporary folder, removed afterwards even on Ctrl-C.

    Its parent folder holds a marker naming this process, so that a later run can tell a
    worktree a killed run left (``prune_worktrees``) from one a live run is using."""
    parent = Path(tempfile.mkdtemp(prefix=WORKTREE_PREFIX))
    (parent / OWNER_MARKER).write_text(identity() + "\n")
    path = parent / sha[:12]
    try:
        repo.git.worktree("add", "--detach", str(path), sha)
    except GitCommandError as exc:
        shutil.rmtree(parent, ignore_errors=True)
        raise GitError(f"could not check out {sha[:12]} into a worktree: {_stderr(exc)}") from None
    try:
        yield path
    finally:
        _remove_worktree(repo, path)


def _remove_worktree(repo: git.Repo, path: Path) -> None:
    try:
        repo.git.worktree("remove", "--force", str(path))
    except GitCommandError:
        repo.git.worktree("prune")
    shutil.rmtree(path.parent, ignore_errors=True)


def prune_worktrees(repo: git.Repo) -> list[Path]:
    """Remove the worktrees that killed perfpages runs left, registered here or only on disk.

    Only folders perfpages made (named ``perfpages-wt-*``, with an owner marker) whose owner
    no longer runs are touched; then ``git worktree prune`` forgets any whose folder is gone.
    Returns the folders removed, for the caller to report."""
    removed = []
    for path in _registered_worktrees(repo):
        if _left_by_dead_run(path.parent):
            _remove_worktree(repo, path)
            removed.append(path.parent)
    repo.git.worktree("prune")
    for parent in sorted(Path(tempfile.gettempdir()).glob(f"{WORKTREE_PREFIX}*")):
        if parent not in removed and _left_by_dead_run(parent):
            shutil.rmtree(parent, ignore_errors=True)  # another clone's, or already unregistered
            removed.append(parent)
    return removed


def _registered_worktrees(repo: git.Repo) -> list[Path]:
    listing = repo.git.worktree("list", "--porcelain")
    return [Path(line.removeprefix("worktree ")) for line in listing.splitlines() if line.startswith("worktree ")]


def _left_by_dead_run(parent: Path) -> bool:
    if not parent.name.startswith(WORKTREE_PREFIX):
        return False
    try:
        marker = (parent / OWNER_MARKER).read_text()
    except OSError:
        return False  # not provably ours, or not provably dead: leave it
    return not still_running(marker)


@dataclass(frozen=True)
class RecordOutcome:
    commit: str | None  # None when there was nothing new to commit
    pushed: bool
    attempts: int


PUSH_TIME_LIMIT = 300.0  # seconds a push keeps retrying: a burst of jobs finishing together clears in far less
BACKOFF_BASE, BACKOFF_CAP = 0.5, 15.0  # seconds: the first retry's mean wait, and the longest wait
# A push the remote refuses on principle fails the same way every time: no point waiting.
REFUSED_FOR_GOOD = re.compile(
    r"pre-receive hook declined|protected branch|permission (to .* )?denied|authentication failed|"
    r"could not read username|repository not found|\b403\b",
    re.IGNORECASE,
)


def record(
    repo: git.Repo,
    paths: list[Path],
    message: str,
    push: bool = False,
    remote: str = "origin",
    branch: str | None = None,
    retries: int | None = None,
    time_limit: float = PUSH_TIME_LIMIT,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> RecordOutcome:
    """Commit new results files, then push, rebasing onto the remote when the push is rejected.

    Results files are unique per run, so the rebase never conflicts: the retry only has to
    wait out other jobs that pushed first. Pushes are retried with jittered exponential
    backoff until ``time_limit`` seconds have passed (or ``retries`` attempts, if given);
    a remote that refuses the push for good (a protected branch, no permission) fails at
    once. Raises GitError saying what git said; the commit stays in the clone either way.
    """
    rel = [str(Path(p).resolve().relative_to(repo_root(repo).resolve())) for p in paths]
    if not rel:  # an empty path list would make the diff below look at the whole index
        return RecordOutcome(None, False, 0)
    repo.git.add("--", *rel)
    if not repo.index.diff("HEAD", paths=rel):
        return RecordOutcome(None, False, 0)
    repo.git.commit("-m", message, "--", *rel, env=_identity_env(repo))
    sha = repo.head.commit.hexsha
    if not push:
        return RecordOutcome(sha, False, 0)
    branch = branch or current_branch(repo)
    if branch is None:
        raise GitError("HEAD is detached; pass --branch to say where to push")
    return _push_until_landed(repo, remote, branch, _Budget(retries, clock() + time_limit, clock), sleep)


@dataclass(frozen=True)
class _Budget:
    attempts: int | None
    deadline: float
    clock: Callable[[], float]

    def allows(self, attempt: int, wait: float) -> bool:
        """Whether another attempt, after waiting ``wait`` seconds, fits."""
        within = self.attempts is None or attempt < self.attempts
        return within and self.clock() + wait <= self.deadline


def _push_until_landed(repo: git.Repo, remote: str, branch: str, budget: _Budget, sleep) -> RecordOutcome:
    started = budget.clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            repo.git.push(remote, f"HEAD:refs/heads/{branch}")
            return RecordOutcome(repo.head.commit.hexsha, True, attempt)
        except GitCommandError as exc:
            said = _stderr(exc)
        if REFUSED_FOR_GOOD.search(said):
            raise GitError(f"{remote} refused the push to {branch}: {said}; the commit stays in this clone")
        wait = _backoff(attempt)
        if not budget.allows(attempt, wait):
            spent = budget.clock() - started
            raise GitError(
                f"push to {remote}/{branch} failed {attempt} times in {spent:.0f} s: {said}; "
                "the commit stays in this clone: run `perfpages record --push` again"
            )
        sleep(wait)
        _rebase_onto_remote(repo, remote, branch)


def _backoff(attempt: int) -> float:
    """Full jitter: uniform over [0, base·2^(n-1)], capped. Jobs that collided once spread out
    instead of colliding again in lock step."""
    return random.uniform(0.0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


def _rebase_onto_remote(repo: git.Repo, remote: str, branch: str) -> None:
    """Put our commit on top of the remote branch. A failure that left no rebase in progress
    (the network, a lock) is left to the next push attempt, which fails and retries."""
    try:
        repo.git.pull("--rebase", remote, branch, env=_identity_env(repo))
    except GitCommandError as exc:
        if any((Path(repo.git_dir) / d).exists() for d in ("rebase-merge", "rebase-apply")):
            repo.git.rebase("--abort")  # leave the clone as it was, with our commit on top
            raise GitError(f"could not rebase onto {remote}/{branch}: {_stderr(exc)}") from None


def _identity_env(repo: git.Repo) -> dict[str, str]:
    """Commit as perfpages where no git identity is configured (fresh CI runners)."""
    reader = repo.config_reader()
    if reader.get_value("user", "name", "") and reader.get_value("user", "email", ""):
        return {}
    name, email = FALLBACK_IDENTITY["name"], FALLBACK_IDENTITY["email"]
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def _stderr(exc: GitCommandError) -> str:
    text = exc.stderr if isinstance(exc.stderr, str) else str(exc)
    return text.strip().replace("stderr: ", "").strip("'").strip() or str(exc)
