"""Writing into the results folder so that a kill at any moment leaves only whole run files.

A run file is written into a staging folder beside its final place, named
``.perfpages-<pid>-<stem>.tmp``, flushed to disk, then given its final name with a hard
link (atomic, and it fails rather than replace a file). The staging folder is on the same
file system (so the link is possible) and outside every name the results glob reads.

A writer killed with SIGKILL leaves its staging folder behind; the pid in its name says
whether the writer still lives, so the next run removes only what dead writers left.
``leftovers`` finds those, and every other file in the results folder that is not part of
a run, for `check` to report and `record` to leave out.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from perfpages.errors import PerfpagesError
from perfpages.processes import pid_alive

PROFILES_SUFFIX = ".profiles"
STAGING = re.compile(r"\.perfpages-(?P<pid>[0-9]+)-(?P<stem>.+)\.tmp")
# What perfpages 0.1 wrote before staging folders: `.<stem>.json.<random>.tmp`, with no pid.
OLD_TEMP = re.compile(r"\.(?P<stem>.+)\.json\.[A-Za-z0-9_]+\.tmp")
OLD_TEMP_AGE = 3600.0  # seconds: an old-style temp file this old has no writer left
HARMLESS = {".gitkeep", ".gitignore", ".gitattributes", "README.md"}


@dataclass(frozen=True)
class Leftover:
    """A path under the results folder that is not a whole run file or part of one."""

    path: Path
    what: str  # what it is, for a person
    stale: bool  # a dead writer's leftover that `run` may remove without asking
    fix: str = "`perfpages run` removes it"

    @property
    def why(self) -> str:
        return f"{self.what}; {self.fix}"


def atomic_create(dest: Path, data: bytes, profiles: Path | None = None) -> None:
    """Create ``dest`` holding ``data`` (and ``profiles`` moved beside it) in one step.

    Readers see no file or the whole file. Raises PerfpagesError if ``dest`` exists, and
    OSError (ENOSPC, EIO…) if the disk refuses; either way nothing is left behind."""
    stem = dest.name.removesuffix(".json")
    stage = dest.parent / f".perfpages-{os.getpid()}-{stem}.tmp"
    stage.mkdir()
    placed = None  # the profiles folder once it has its final name
    try:
        staged = stage / "run.part"  # no `.json` name inside: the results glob must never read it
        _write_synced(staged, data)
        if profiles is not None:
            # Same file system as dest, so the rename below is one step; the copy may be slow.
            shutil.copytree(profiles, stage / "profiles")
            placed = dest.parent / f"{stem}{PROFILES_SUFFIX}"
            os.rename(stage / "profiles", placed)
        try:
            os.link(staged, dest)  # atomic, and fails if dest exists (os.replace would overwrite)
        except FileExistsError:
            raise PerfpagesError(f"{dest}: already exists; results files are never overwritten") from None
        _sync_folder(dest.parent)
    except BaseException:
        if placed is not None and not dest.exists():
            shutil.rmtree(placed, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """The new name survives a power cut only once its folder is flushed too."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def leftovers(root: Path) -> list[Leftover]:
    """Everything under ``root`` that is not a run file, its profiles, or a harmless git file.

    Staging folders of writers that still run are in progress, not leftovers."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        folder = Path(dirpath)
        names = set(filenames)
        for name in sorted(dirnames):
            leftover = _folder_leftover(folder / name, names)
            if leftover is not None:
                found.append(leftover)
        dirnames[:] = [d for d in dirnames if not d.endswith(PROFILES_SUFFIX) and not STAGING.fullmatch(d)]
        found.extend(_file_leftover(folder / name) for name in sorted(filenames) if not _is_run_file(name))
    return [leftover for leftover in found if leftover is not None]


def _folder_leftover(path: Path, files: set[str]) -> Leftover | None:
    staging = STAGING.fullmatch(path.name)
    if staging:
        pid = int(staging["pid"])
        if pid_alive(pid):
            return None
        return Leftover(path, f"a staging folder left by a run killed while writing (pid {pid})", stale=True)
    if path.name.endswith(PROFILES_SUFFIX):
        stem = path.name.removesuffix(PROFILES_SUFFIX)
        if f"{stem}.json" in files or _being_written(path.parent, stem):
            return None
        what = f"profiles with no {stem}.json beside them, left by a run killed while writing"
        return Leftover(path, what, stale=True, fix="`perfpages run` removes them")
    return None


def _file_leftover(path: Path) -> Leftover | None:
    if path.name in HARMLESS:
        return None
    old = OLD_TEMP.fullmatch(path.name)
    if old:
        what = "a temporary file of a run killed while writing"
        if _age(path) > OLD_TEMP_AGE:
            return Leftover(path, what, stale=True)
        return Leftover(path, what, stale=False, fix="delete it once no older perfpages is writing")
    what = "not a results file (<sha12>-<run-id>.json)"
    return Leftover(path, what, stale=False, fix="move it out of the results folder")


def _is_run_file(name: str) -> bool:
    return name.endswith(".json") and not name.startswith(".")


def _being_written(folder: Path, stem: str) -> bool:
    return any(
        (m := STAGING.fullmatch(p.name)) and m["stem"] == stem and pid_alive(int(m["pid"]))
        for p in folder.glob(".perfpages-*.tmp")
    )


def _age(path: Path) -> float:
    try:
        return time.time() - path.lstat().st_mtime
    except OSError:
        return 0.0


def remove_stale(root: Path) -> list[Leftover]:
    """Delete what dead writers left under ``root``; the removed leftovers, for the caller to report."""
    removed = []
    for leftover in leftovers(root) if root.is_dir() else []:
        if not leftover.stale:
            continue
        with contextlib.suppress(FileNotFoundError):
            if leftover.path.is_dir() and not leftover.path.is_symlink():
                shutil.rmtree(leftover.path)
            else:
                leftover.path.unlink()
        removed.append(leftover)
    return removed
