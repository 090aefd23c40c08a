"""Expected failures. Anything else escaping to the CLI is a bug and shows a traceback.
(RunStopped, a KeyboardInterrupt, is the one that is not a PerfpagesError.)

PerfpagesError
├── ConfigError      perfpages.yml is missing or wrong (carries file, line and column)
├── ResultsError     results files failed validation (carries every Problem found)
├── GitError         a repository operation failed (worktree, commit range, push)
└── RunError         a run could not start or was interrupted
    └── RunNotSavedError  a finished run could not be written (disk full); says where it went
"""

from __future__ import annotations

from dataclasses import dataclass


class PerfpagesError(Exception):
    """Base class: the CLI prints the message and exits with status 1."""


@dataclass(frozen=True)
class Location:
    """A place in a text file, 1-based, for messages a person can jump to."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class ConfigError(PerfpagesError):
    def __init__(self, location: Location, field: str, message: str):
        self.location, self.field = location, field
        super().__init__(f"{location}: {field}: {message}" if field else f"{location}: {message}")


class ResultsError(PerfpagesError):
    def __init__(self, problems: list):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in results files:\n{lines}")


class GitError(PerfpagesError):
    pass


class RunError(PerfpagesError):
    pass


class RunNotSavedError(RunError):
    """The run finished but its results file could not be written; ``rescued`` is where a copy
    went, or None, in which case ``document`` (the file's text) is all that is left of it."""

    def __init__(self, dest, error: OSError, rescued, document: str):
        self.dest, self.rescued, self.document = dest, rescued, document
        cause = error.strerror or str(error)
        if rescued is not None:
            where = (
                f"the run is saved at {rescued}; free some space, then move it (and any .profiles folder "
                f"beside it) to {dest.parent}/"
            )
        else:
            where = f"no other folder would take it either, so its results file follows on stdout: save it as {dest}"
        super().__init__(f"could not write {dest}: {cause}; {where}")


class RunStopped(KeyboardInterrupt):
    """A signal (SIGTERM, SIGINT, SIGHUP) stopped a run; it unwinds as Ctrl-C does, so every
    cleanup on the way out runs. The exit status is 128 + the signal's number, as a shell's."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signum)

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)
