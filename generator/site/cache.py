"""What a build keeps for the next one of its comparisons, under ``.perfpages-cache/``: those of
A/B runs whose inputs have not changed (results/cache.py: the parsed runs, and how the folder is
stored and trusted; site/kept.py: what else a build keeps of its own work).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from functools import cache
from pathlib import Path

from perfpages.model import RunRecord
from perfpages.site.judging import Comparison, run_key
from perfpages.site.kept import KeptEntries


class ComparisonCache:
    """A/B comparisons by the digest of their inputs (see ``comparison_keys``), in one pickle.

    A thousand PR pages are a thousand comparisons of hundreds of series; after one new run on
    main none of their inputs changed, so a build reads them back instead of judging them again.
    """

    def __init__(self, path: Path | None, keys: dict[tuple[str, str], str]) -> None:
        self.kept, self.keys = KeptEntries(path, "comparisons-1"), keys

    def inputs(self, record: RunRecord) -> str:
        return self.keys.get(run_key(record), "")

    def get(self, record: RunRecord) -> Comparison | None:
        key = self.keys.get(run_key(record))
        found = self.kept.get(key) if key is not None else None
        return found if isinstance(found, Comparison) and found.inputs == key else None

    def put(self, record: RunRecord, comparison: Comparison) -> None:
        key = self.keys.get(run_key(record))
        if key is not None:
            self.kept.put(key, comparison.packed())

    def save(self) -> None:
        """Keep what this build used: comparisons of runs that are gone or changed are forgotten."""
        self.kept.save()


def comparison_keys(
    runs: list[RunRecord], digests: dict[tuple[str, str], str], main_order: list[str], floors: dict[str, float]
) -> dict[tuple[str, str], str]:
    """A digest of everything each A/B run's comparison depends on, by (machine, run id).

    That is: the analysis code, the floors, the run itself, every A/B run of the same pair (their
    samples pool), runs of the base and head commits, and every run on main up to the base (the
    history its noise is learned from). Later runs on main change none of these, as a permalink needs.
    """
    commit_runs: dict[str, list[str]] = defaultdict(list)
    pair_runs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in runs:
        digest = digests[run_key(r)]
        if r.base is None:
            commit_runs[r.head.sha].append(digest)
        else:
            pair_runs[(r.base.sha, r.head.sha)].append(digest)
    running = hashlib.sha1(_analysis_code() + repr(sorted(floors.items())).encode())
    prefix: dict[str, str] = {}
    for sha in main_order:  # the history up to each commit, as one running digest
        if sha in commit_runs:
            running.update(f"{sha} {' '.join(sorted(commit_runs[sha]))}\n".encode())
        prefix[sha] = running.hexdigest()
    keys = {}
    for r in runs:
        if r.base is None:
            continue
        base, head = r.base.sha, r.head.sha
        parts = [
            prefix.get(base) or f"off-main {_analysis_code().hex()} {sorted(floors.items())}",
            digests[run_key(r)],
            *sorted(pair_runs[(base, head)]),
            *sorted(commit_runs.get(base, ())),
            *sorted(commit_runs.get(head, ())),
        ]
        keys[run_key(r)] = hashlib.sha1(" ".join(parts).encode()).hexdigest()
    return keys


@cache
def _analysis_code() -> bytes:
    """The digest of the code comparisons come from (their verdicts, and the page paths urls.py
    names): changing it invalidates every kept comparison."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(b"comparisons-1")
    sources = [*root.glob("analysis/*.py"), root / "site" / "judging.py", root / "site" / "urls.py", root / "model.py"]
    for path in sorted(sources):
        digest.update(path.read_bytes())
    return digest.digest()
