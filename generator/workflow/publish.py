"""What a publish may record: every results artifact of recent bench runs, each checked first.

A bench run executes the code under test, and a pull request's code can write anything into the
artifact it uploads. So an artifact is data that must prove itself before it reaches ``results/``:

1. its run belongs to this repository, ran the expected bench workflow file and succeeded;
2. it holds only results files named ``<machine>/<YYYY-MM>/<sha12>-gh<run-id>-….json`` (and
   callgrind outputs in the ``.profiles/`` folder beside one), no links, no hidden files;
3. every results file passes the same validation as ``perfpages check``, sits where its own
   content says it belongs, and carries that run's id;
4. a run started for pull request N (its run-name says ``pr=N``) may hold only ``comparison``
   runs of PR N whose head is a commit of that PR; a push run only ``commit`` runs of the pushed
   commit; a manual run anything but PR runs;
5. a file already in ``results/`` must be byte-identical (recorded before) or the artifact is refused.

An artifact that fails any check is refused whole, with the reasons. Recording every recent
run's artifacts, not just the triggering run's, makes a publish idempotent and means a publish
that GitHub dropped from its queue loses nothing: the next one records what it would have.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from perfpages.results.store import PROFILES_SUFFIX, load_run
from perfpages.workflow.github import GitHub, WorkflowRun

ARTIFACT_PREFIX = "results-"
PR_EVENTS = frozenset({"pull_request_target", "issue_comment"})
SLUG = r"[A-Za-z0-9][A-Za-z0-9._-]*"
RESULTS_NAME = re.compile(rf"^{SLUG}/[0-9]{{4}}-[0-9]{{2}}/[0-9a-f]{{12}}-{SLUG}\.json$")
PROFILE_NAME = re.compile(rf"^{SLUG}\.callgrind\.gz$")
TITLE_PR = re.compile(r"\bpr=([1-9][0-9]*)\b")
MAX_ARTIFACT_BYTES = 512 * 2**20  # unpacked; a results artifact is a few MB


@dataclass(frozen=True)
class Expectation:
    """What one bench run's artifacts may contain."""

    run_id: int
    kinds: frozenset[str]  # "commit", "comparison"
    pull_request: int | None  # the PR every run must name (None: no PR)
    heads: frozenset[str] | None  # allowed head SHAs (None: any)


@dataclass(frozen=True)
class ArtifactVerdict:
    run_id: int
    artifact: str
    new: tuple[str, ...] = ()  # paths relative to the results folder, to record
    recorded: tuple[str, ...] = ()  # already in the results folder, byte for byte
    problems: tuple[str, ...] = ()
    comparisons: tuple[tuple[int, str], ...] = ()  # (PR, head sha) of each new comparison run

    @property
    def accepted(self) -> bool:
        return not self.problems


class Refused(Exception):
    """A run or artifact perfpages will not record; the message says why."""


def expectation_for(run: WorkflowRun, repository: str, workflow_path: str, github: GitHub) -> Expectation:
    """The rules for one run's artifacts, or Refused when the run itself is not trusted."""
    if run.repository != repository:
        raise Refused(f"run {run.id} belongs to {run.repository or 'an unknown repository'}, not {repository}")
    if run.path != workflow_path:
        raise Refused(f"run {run.id} ran {run.path or 'an unknown workflow'}, not {workflow_path}")
    if run.conclusion != "success":
        raise Refused(f"run {run.id} ended with {run.conclusion or 'no conclusion'}, not success")
    if run.event in PR_EVENTS:
        match = TITLE_PR.search(run.display_title)
        if match is None:
            raise Refused(f"run {run.id} was started by {run.event} but its run-name names no pr=N")
        number = int(match.group(1))
        heads = frozenset(github.pull_request_commits(number))
        return Expectation(run.id, frozenset({"comparison"}), number, heads)
    if run.event == "push":
        return Expectation(run.id, frozenset({"commit"}), None, frozenset({run.head_sha}))
    if run.event == "workflow_dispatch":
        return Expectation(run.id, frozenset({"commit", "comparison"}), None, None)
    raise Refused(f"run {run.id} was started by {run.event}, which never records results")


def unpack(data: bytes, dest: Path) -> list[str]:
    """Extract an artifact zip into an empty ``dest``; returns problems (then nothing is trusted)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ["the artifact is not a zip archive"]
    problems, total = [], 0
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir():
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                problems.append(f"{name}: a link; an artifact may hold only plain files")
                continue
            if not _safe_member(name):
                problems.append(f"{name}: not a plain relative path")
                continue
            total += info.file_size
            if total > MAX_ARTIFACT_BYTES:
                return [*problems, f"more than {MAX_ARTIFACT_BYTES // 2**20} MiB unpacked"]
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
    return problems


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and "\\" not in name and not path.is_absolute() and ".." not in path.parts


def verify_folder(folder: Path, expectation: Expectation, results: Path, artifact: str) -> ArtifactVerdict:
    """Check every file of one unpacked artifact against ``expectation`` and the results folder."""
    files = sorted(p for p in folder.rglob("*") if not p.is_dir())
    rel = {p: p.relative_to(folder).as_posix() for p in files}
    runs = [p for p in files if RESULTS_NAME.match(rel[p]) and not _hidden(rel[p])]
    problems = [f"{rel[p]}: {why}" for p in files if (why := _name_problem(rel[p], p, runs, folder))]
    comparisons: dict[str, tuple[int, str]] = {}
    for path in runs:
        found, why = _run_problems(path, folder, expectation)
        problems.extend(f"{rel[path]}: {w}" for w in why)
        if found is not None:
            comparisons[rel[path]] = found
    new, recorded = [], []
    for path in files:
        target = results / rel[path]
        if not target.exists():
            new.append(rel[path])
        elif target.is_file() and target.read_bytes() == path.read_bytes():
            recorded.append(rel[path])
        else:
            problems.append(f"{rel[path]}: already in {results} with other content; results are never rewritten")
    if not files:
        problems.append("the artifact holds no files")
    return ArtifactVerdict(
        run_id=expectation.run_id,
        artifact=artifact,
        new=tuple(new),
        recorded=tuple(recorded),
        problems=tuple(problems),
        comparisons=tuple(sorted({c for name, c in comparisons.items() if c[0] and name in new})),
    )


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def _name_problem(rel: str, path: Path, runs: list[Path], folder: Path) -> str | None:
    """Why a file may not be recorded by its name alone, or None."""
    if path.is_symlink() or not path.is_file():
        return "not a plain file"
    if _hidden(rel):
        return "a hidden file; an artifact holds only results files"
    if path in runs:
        return None
    parent, name = path.parent, path.name
    if parent.name.endswith(PROFILES_SUFFIX) and PROFILE_NAME.match(name):
        if parent.with_name(parent.name[: -len(PROFILES_SUFFIX)] + ".json") in runs:
            return None
        return "a callgrind output without its results file beside the .profiles folder"
    return (
        "not a results file: expected <machine>/<YYYY-MM>/<sha12>-<run-id>.json "
        "or <sha12>-<run-id>.profiles/<name>.callgrind.gz"
    )


def _run_problems(path: Path, folder: Path, expected: Expectation) -> tuple[tuple[int, str] | None, list[str]]:
    """Validate one results file as `perfpages check` does, then hold it to the run's rules."""
    loaded, problems = load_run(path, folder)
    errors = [f"{p.field}: {p.message}" for p in problems if p.severity == "error"]
    if loaded is None or errors:
        return None, errors or ["does not parse as a results file"]
    record = loaded.record
    why = []
    if not record.run_id.startswith(f"gh{expected.run_id}-"):
        why.append(f"run_id {record.run_id!r} is not from bench run {expected.run_id} (gh{expected.run_id}-…)")
    if record.kind not in expected.kinds:
        why.append(f"a {record.kind} run; run {expected.run_id} may only produce {' or '.join(sorted(expected.kinds))}")
    if record.pull_request != expected.pull_request:
        want = f"PR #{expected.pull_request}" if expected.pull_request else "no pull request"
        why.append(f"names pull request {record.pull_request}; run {expected.run_id} was for {want}")
    if expected.heads is not None and record.head.sha not in expected.heads:
        why.append(f"head {record.head.sha[:12]} is not a commit this run was started for")
    return (record.pull_request or 0, record.head.sha) if record.kind == "comparison" else None, why


def install(verdict: ArtifactVerdict, folder: Path, results: Path) -> None:
    """Copy an accepted artifact's new files into the results folder (never over a file)."""
    assert verdict.accepted
    for rel in verdict.new:
        target = results / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(folder / rel, "rb") as source, open(target, "xb") as sink:
            shutil.copyfileobj(source, sink)


@dataclass(frozen=True)
class PublishReport:
    """Everything one publish looked at: each artifact's verdict and each run it would not trust."""

    verdicts: tuple[ArtifactVerdict, ...]
    refused_runs: tuple[tuple[int, str], ...]  # (run id, reason)
    skipped: tuple[tuple[int, str], ...]  # (run id, reason): nothing to record, not a fault

    def refused(self, run_id: int) -> bool:
        """Whether anything of this run was refused (the triggering run's publish then fails)."""
        return any(r == run_id for r, _ in self.refused_runs) or any(
            v.run_id == run_id and not v.accepted for v in self.verdicts
        )

    @property
    def comparisons(self) -> tuple[tuple[int, str], ...]:
        """(PR, head) of every comparison this publish recorded: the PR comments to post."""
        return tuple(sorted({c for v in self.verdicts if v.accepted for c in v.comparisons}))


def collect(
    github: GitHub, repository: str, workflow_path: str, runs: list[WorkflowRun], results: Path, staging: Path
) -> PublishReport:
    """Verify every results artifact of ``runs`` (oldest first) and install the accepted ones."""
    verdicts, refused, skipped = [], [], []
    for run in sorted({r.id: r for r in runs}.values(), key=lambda r: r.id):
        if run.conclusion != "success" and run.repository == repository and run.path == workflow_path:
            skipped.append((run.id, f"ended with {run.conclusion or 'no conclusion'}"))
            continue
        try:
            expectation = expectation_for(run, repository, workflow_path, github)
        except Refused as exc:
            refused.append((run.id, str(exc)))
            continue
        artifacts = [a for a in github.artifacts(run.id) if a.name.startswith(ARTIFACT_PREFIX)]
        if not artifacts:
            skipped.append((run.id, "uploaded no results artifact"))
        for artifact in artifacts:
            if artifact.expired:
                skipped.append((run.id, f"artifact {artifact.name} expired"))
                continue
            verdicts.append(_take(github, artifact.id, artifact.name, expectation, results, staging))
    return PublishReport(tuple(verdicts), tuple(refused), tuple(skipped))


def _take(github: GitHub, artifact_id: int, name: str, expected: Expectation, results: Path, staging: Path):
    folder = staging / f"{expected.run_id}-{artifact_id}"
    folder.mkdir(parents=True)
    problems = unpack(github.download_artifact(artifact_id), folder)
    if problems:
        return ArtifactVerdict(expected.run_id, name, problems=tuple(problems))
    verdict = verify_folder(folder, expected, results, name)
    if verdict.accepted:
        install(verdict, folder, results)
    return verdict
