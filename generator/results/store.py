"""Where results files live, and the only code that writes or reads them.

Layout: ``results/<machine>/<YYYY-MM>/<sha12>-<run-id>.json``, with an optional
``<sha12>-<run-id>.profiles/`` folder beside it for callgrind outputs. Files are
created once and never rewritten: the final name is made with a hard link,
which fails rather than replace an existing file (see perfpages.results.staging).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfpages.errors import PerfpagesError
from perfpages.forked import fork_map
from perfpages.model import RunRecord
from perfpages.results.codec import adopt, from_document, record_commits, to_document
from perfpages.results.limits import MAX_FILE_BYTES
from perfpages.results.schema import Problem, parse_and_validate
from perfpages.results.staging import PROFILES_SUFFIX, atomic_create

if TYPE_CHECKING:
    from perfpages.results.cache import RunCache


@dataclass(frozen=True)
class LoadedRun:
    path: Path
    record: RunRecord
    digest: str = ""  # SHA-1 of the file's bytes: names its content in the build's caches


def run_stem(record: RunRecord) -> str:
    return f"{record.head.sha[:12]}-{record.run_id}"


def run_path(root: Path, record: RunRecord) -> Path:
    month = (record.head.committer_date or record.started_at)[:7]
    return root / record.machine / month / f"{run_stem(record)}.json"


def profiles_dir_for(results_file: Path) -> Path:
    return results_file.with_suffix(PROFILES_SUFFIX)


def write_run(root: Path, record: RunRecord, profiles: Path | None = None) -> Path:
    """Write a new results file atomically; never overwrite. Moves ``profiles`` beside it."""
    dest = run_path(root, record)
    if dest.exists():
        raise PerfpagesError(f"{dest}: already exists; results files are never overwritten (use a new --run-id)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    kept = profiles if profiles is not None and any(profiles.iterdir()) else None
    atomic_create(dest, dumps(to_document(record, record_commits(record))).encode(), kept)
    return dest


def rescue_run(record: RunRecord, profiles: Path | None, places: tuple[Path, ...]) -> Path | None:
    """Save a run that could not be written to the results folder in the first of ``places``
    that takes it (the caller tells the user where); None if none does."""
    for place in places:
        try:
            folder = place / "perfpages-unsaved"
            folder.mkdir(parents=True, exist_ok=True)
            dest = folder / f"{run_stem(record)}.json"
            kept = profiles if profiles is not None and any(profiles.iterdir()) else None
            atomic_create(dest, dumps(to_document(record, record_commits(record))).encode(), kept)
            return dest
        except (OSError, PerfpagesError):
            continue
    return None


def dumps(document: dict) -> str:
    """Indented JSON with sorted keys, but each array of numbers (samples) on one line.

    One sample per line would make a results file several times longer for no reader's benefit.
    The text is what ``json.dumps(indent=2, sort_keys=True)`` gives with each array of numbers
    then joined onto one line, built here directly: json's indenting encoder is pure Python, and
    at 2,000 files of 400 series it was most of an import's time. Scalars and arrays of numbers go
    through json's C encoder. (A regular expression used to do the joining, and also rewrote a
    string such as ``"[1,2]"`` inside a parameter value; this never touches strings.)
    """
    return _pretty(document, "\n") + "\n"


def _pretty(value, newline: str) -> str:
    """``value`` as indented JSON, ``newline`` being the line break and indent it starts on."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        items = [f"{_string(key)}: {_leaf(value[key], inner)}" for key in sorted(value)]
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        if set(map(type, value)) <= _NUMBERS:
            # "[1.5, 2]" on one line: repr is how json writes a finite float or an int, and a call of
            # json.dumps for each of 800,000 sample lists would cost more than the rest of the file.
            return "[" + ", ".join(map(repr, value)) + "]" if math.isfinite(sum(value)) else json.dumps(value)
        inner = newline + "  "
        return "[" + inner + ("," + inner).join([_pretty(x, inner) for x in value]) + newline + "]"
    return json.dumps(value)


def _leaf(value, newline: str) -> str:
    """_pretty without a call for the commonest values (a function call per field adds up)."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return repr(value)
    return _pretty(value, newline)


_NUMBERS = {float, int}  # not bool: json writes true and false, which stay one to a line
_string = json.encoder.encode_basestring_ascii  # as json.dumps writes keys and strings (ensure_ascii)


def read_profile(results_file: Path, name: str) -> Iterator[str]:
    """The lines of one kept callgrind output (gzipped when its name says so)."""
    path = profiles_dir_for(results_file) / name
    if Path(name).name != name:
        raise PerfpagesError(f"{results_file}: profile name {name!r} must be a plain file name")
    opener = gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            yield from handle
    except (OSError, EOFError) as exc:
        raise PerfpagesError(f"{path}: cannot read this callgrind output: {exc}") from None


def iter_result_files(root: Path) -> Iterator[Path]:
    """Every results file under root, in a stable order, skipping profile folders and temp files.

    Whatever is named ``*.json`` is listed, FIFOs and links included, so that reading can refuse it
    with a reason; folders reached through a link are not entered (see ``linked_folders``)."""
    for path in sorted(root.rglob("*.json")):
        if not path.name.startswith(".") and not any(p.endswith(PROFILES_SUFFIX) for p in path.parent.parts):
            yield path


def linked_folders(root: Path) -> Iterator[Path]:
    """Links to folders under root: their files are not read, and each is reported, not skipped silently."""
    for folder, dirs, _ in os.walk(root):
        for name in sorted(dirs):
            if (Path(folder) / name).is_symlink():
                yield Path(folder) / name


def read_results_bytes(path: Path) -> bytes:
    """The bytes of a results file, which must be a regular file of at most MAX_FILE_BYTES.

    Raises OSError with a reason a person can act on. A FIFO would block the reader forever, a
    link to /dev/zero would be read until memory runs out, and a link to a file elsewhere would be
    read and counted as this project's results, so no link and nothing but a regular file is read."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise OSError(
            f"is a symbolic link (to {os.readlink(path)}); results files are regular files written by "
            "`perfpages run`: replace the link with a copy of the file, or delete it"
        )
    # O_NONBLOCK: a FIFO put in the file's place after the check above still cannot block the open
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"is a {_file_type(info.st_mode)}, not a regular file; remove it from the results folder")
        data = handle.read(MAX_FILE_BYTES + 1)  # never more, even if the file grows while it is read
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"is over the limit of {MAX_FILE_BYTES >> 20} MiB for a results file; it is not a run file")
    return data


def _file_type(mode: int) -> str:
    kinds = {stat.S_ISDIR: "folder", stat.S_ISFIFO: "FIFO", stat.S_ISCHR: "device", stat.S_ISBLK: "device"}
    return next((name for test, name in kinds.items() if test(mode)), "socket or special file")


def load_run(
    path: Path, root: Path | None = None, cache: RunCache | None = None
) -> tuple[LoadedRun | None, list[Problem]]:
    """Read and validate one file. Problems name the file relative to ``root`` when given.

    With a cache, a file whose bytes were parsed before is not parsed again, and one unchanged
    since it was last read is not read again either."""
    return _load(path, root, cache, parse=True)


def _load(path: Path, root: Path | None, cache: RunCache | None, parse: bool):
    """``load_run``; without ``parse``, None for a file the cache does not hold."""
    shown = _shown(path, root)
    kept = cache.known(path) if cache is not None else None
    if kept is not None:
        digest, record = kept
        return LoadedRun(path, record, digest), _placement_problems(path, record, shown)
    stamp = file_stamp(path)  # before reading: a file changed while it is read is read again next time
    try:
        data = read_results_bytes(path)
    except OSError as exc:
        return None, [Problem(shown, "(file)", f"cannot read: {exc.strerror or exc}")]
    digest = hashlib.sha1(data).hexdigest()
    record = cache.get(digest) if cache is not None else None
    if record is None and not parse:
        return None
    if record is None:
        record, problems = _parse(data, shown)
        if record is None:
            return None, problems
        if cache is not None:
            cache.put(digest, record)
    if cache is not None:
        cache.stamp(path, stamp, digest)
    return LoadedRun(path, record, digest), _placement_problems(path, record, shown)


def file_stamp(path: Path | str) -> tuple[int, ...] | None:
    """What changes when a file is written, copied or replaced, as git's index compares it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _shown(path: Path, root: Path | None) -> str:
    return str(path.relative_to(root.parent) if root is not None and path.is_relative_to(root.parent) else path)


def _parse(data: bytes, shown: str) -> tuple[RunRecord | None, list[Problem]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(shown, "(file)", f"cannot read: {exc}")]
    doc, problems = parse_and_validate(text, shown)
    return (from_document(doc) if doc is not None else None), problems


def _placement_problems(path: Path, record: RunRecord, shown: str) -> list[Problem]:
    """The file name and folder must agree with its content, or runs could be mistaken for others."""
    problems = []
    if path.stem != run_stem(record):
        problems.append(
            Problem(
                shown,
                "run.id",
                f"file name should be {run_stem(record)}.json to match run.head "
                "and run.id; rename the file, do not edit it",
            )
        )
    home = run_path(Path("results"), record).parent.as_posix()  # results/<machine>/<YYYY-MM>
    if path.parent.parent.name != record.machine:
        problems.append(
            Problem(
                shown,
                "run.machine",
                f"the file is not in its machine's folder: it belongs in {home}/ (machine {record.machine!r}); "
                "move it there",
            )
        )
    elif not _MONTH.fullmatch(path.parent.name):
        problems.append(
            Problem(shown, "(file)", f"the folder {path.parent.name!r} is not a month (YYYY-MM); move it to {home}/")
        )
    return problems


_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


MIN_SHARE = 32  # files worth a worker process: starting one costs about as much as parsing these


def load_all(root: Path, cache: RunCache | None = None, workers: int = 1) -> tuple[list[LoadedRun], list[Problem]]:
    """Load every results file, collecting all problems rather than stopping at the first.

    With ``workers`` > 1, files the cache does not hold are parsed in that many processes."""
    paths = list(iter_result_files(root))
    runs, problems = [], [_linked_folder_problem(folder, root) for folder in linked_folders(root)]
    first_seen: dict[tuple[str, str], Path] = {}
    for path, (loaded, found) in zip(paths, _load_each(paths, root, cache, workers), strict=True):
        problems.extend(found)
        if loaded is None:
            continue
        record = loaded.record
        key = (record.machine, record.run_id)
        if key in first_seen:
            problems.append(
                Problem(
                    _shown(path, root),
                    "run.id",
                    f"run id {record.run_id!r} on {record.machine!r} is "
                    f"also used by {_shown(first_seen[key], root)}; each run needs a unique id",
                )
            )
            continue
        first_seen[key] = path
        runs.append(loaded)
    return runs, problems


def _linked_folder_problem(folder: Path, root: Path) -> Problem:
    message = "is a symbolic link to a folder, so no file in it is read; move the files into the results folder"
    return Problem(_shown(folder, root), "(folder)", message)


def _load_each(paths: list[Path], root: Path, cache: RunCache | None, workers: int) -> list:
    """``load_run`` of each path, in order; files the cache lacks are parsed in worker processes."""
    if workers < 2 or len(paths) < 2 * MIN_SHARE:
        return [load_run(path, root, cache) for path in paths]
    out: list = [None] * len(paths)
    todo, stamps = [], {}
    for i, path in enumerate(paths):
        out[i] = _load(path, root, cache, parse=False)
        if out[i] is None:
            todo.append(i)
            stamps[i] = file_stamp(path)  # before a worker reads it
    if not todo:
        return out
    workers = max(1, min(workers, len(todo) // MIN_SHARE))
    parsed = fork_map(lambda path: load_run(path, root), [paths[i] for i in todo], workers)
    for i, (loaded, found) in zip(todo, parsed, strict=True):
        if loaded is not None:
            loaded = replace(loaded, record=adopt(loaded.record))  # one kind object per kind, as the parent's
            if cache is not None:
                cache.put(loaded.digest, loaded.record)
                cache.stamp(paths[i], stamps[i], loaded.digest)
        out[i] = (loaded, found)
    return out
