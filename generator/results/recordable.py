"""Which new files under the results folder `record` may commit: whole, valid runs only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from perfpages.results.schema import Problem
from perfpages.results.staging import PROFILES_SUFFIX


@dataclass(frozen=True)
class LeftOut:
    path: Path
    why: str
    is_run: bool  # a results file that failed `check`, not just a stray file


@dataclass(frozen=True)
class Selection:
    files: tuple[Path, ...]  # to commit
    left_out: tuple[LeftOut, ...]  # and why each of the rest is not
    elsewhere: tuple[Problem, ...]  # errors in files that are not new: the folder is not fit to add to


def select(new: Iterable[Path], problems: Iterable[Problem], results: Path) -> Selection:
    """Split ``new`` (untracked paths under ``results``) into what to commit and what not.

    A run file goes in when `check` found no error in it; a file of a ``.profiles`` folder
    goes in with its run. Everything else (temporary files of killed runs, strays) stays out.
    ``problems`` are `check`'s, whose paths are relative to ``results``' parent or absolute."""
    new = sorted(path.resolve() for path in new)
    errors = [problem for problem in problems if problem.severity == "error"]
    flagged = {_place(problem, results): _said(problem) for problem in reversed(errors)}
    files, left_out = [], []
    for path in new:
        why = _why_not(path, flagged)
        if why is None:
            files.append(path)
        else:
            left_out.append(LeftOut(path, why, _is_run_file(path)))
    # A duplicate run id is reported on one of its two files; if that is an old one, the
    # new file is the culprit but looks clean, so any error outside the new files stops it all.
    elsewhere = tuple(p for p in errors if not any(_covers(_place(p, results), path) for path in new))
    return Selection(tuple(files), tuple(left_out), elsewhere)


def _said(problem: Problem) -> str:
    return problem.message if problem.field.startswith("(") else f"{problem.field}: {problem.message}"


def _place(problem: Problem, results: Path) -> Path:
    return (results.parent / problem.path).resolve()


def _covers(place: Path, path: Path) -> bool:
    return path == place or place in path.parents


def _why_not(path: Path, flagged: dict[Path, str]) -> str | None:
    for place in (path, *path.parents):
        if place in flagged:
            return flagged[place]
    if _is_run_file(path):
        return None
    profiles = next((p for p in path.parents if p.name.endswith(PROFILES_SUFFIX)), None)
    if profiles is not None:
        run = profiles.with_name(profiles.name.removesuffix(PROFILES_SUFFIX) + ".json")
        return None if run.is_file() and run not in flagged else f"profiles of {run.name}, which is not recorded"
    return "not a results file"


def _is_run_file(path: Path) -> bool:
    return (
        path.suffix == ".json"
        and not any(part.startswith(".") for part in path.parts[-3:])
        and not any(part.endswith(PROFILES_SUFFIX) for part in path.parts)
    )
