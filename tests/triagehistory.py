"""A history for the overview's triage: many series moving at one commit, stale and pending series.

40 commits on main, measured on bm-1 and on bm-2. On both machines the `fleet-*` scenarios
step up 30% together at commit FLEET_AT (six on bm-1, three on bm-2: two events). On bm-1,
`speedup` drops 30% at commit 30 (improved), `late` jumps 30% at commit 37 (too recent to
confirm: unconfirmed), `quiet` holds its level, and `renamed` was measured only up to commit
RENAMED_UNTIL, then never again (stale), with a shift in its last 3 runs left unconfirmed. bm-1's
runs from FLEET_AT on run with turbo on.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import numpy as np

from perfpages.model import CommitInfo, Direction, Measurement, RunRecord
from perfpages.results.store import write_run
from perfpages.site.build import MINIMAL_MKDOCS_YML

COMMITS = 40
FLEET_AT = 25
FLEET = {"bm-1": 6, "bm-2": 3}
RENAMED_UNTIL = 24  # the last commit `renamed` was measured at
START = datetime.date(2026, 9, 1)


def sha(i: int) -> str:
    return hashlib.sha1(f"triage-{i}".encode()).hexdigest()


def commit(i: int) -> CommitInfo:
    day = (START + datetime.timedelta(days=i)).isoformat()
    return CommitInfo(sha(i), f"Change {i}", "Ada", f"{day}T12:00:00+00:00", f"{day}T12:00:00+00:00", (sha(i - 1),))


def levels(machine: str, i: int) -> dict[str, float]:
    """Each scenario's true level at commit i on the machine (absent: not measured)."""
    found = {f"fleet-{n:02d}": (1.3 if i >= FLEET_AT else 1.0) * (1 + n / 10) for n in range(FLEET[machine])}
    if machine == "bm-1":
        found |= {"quiet": 2.0, "speedup": 0.7 if i >= 30 else 1.0, "late": 1.3 if i >= 37 else 1.0}
        if i <= RENAMED_UNTIL:
            # A shift in its last 3 runs: unconfirmed when it stopped being measured, and no run will confirm it.
            found["renamed"] = 3.0 * (1.3 if i >= RENAMED_UNTIL - 2 else 1.0)
    return found


def run(machine: str, i: int, rng: np.random.Generator) -> RunRecord:
    info = commit(i)
    measurements = tuple(
        Measurement(name, "wall_time", "s", Direction.LOWER, info.sha, _samples(rng, level))
        for name, level in sorted(levels(machine, i).items())
    )
    turbo = machine == "bm-1" and i >= FLEET_AT
    fingerprint = {"cpu_model": "Test CPU", "kernel": "6.1", "governor": "performance", "turbo": turbo}
    fingerprint["load_average"] = [float(i % 3), 0.5, 0.5]  # differs every run; must not count as a change
    return RunRecord(
        f"{machine}-{i}",
        machine,
        info,
        f"{info.committer_date[:10]}T13:00:00Z",
        f"{info.committer_date[:10]}T13:05:00Z",
        "0.2.0",
        fingerprint,
        measurements,
        branch="main",
    )


def _samples(rng: np.random.Generator, level: float) -> tuple[float, ...]:
    return tuple(float(x) for x in level * (1 + 0.005 * rng.standard_normal(5)))


def runs() -> list[RunRecord]:
    rng = np.random.default_rng(5)
    return [run(machine, i, rng) for machine in FLEET for i in range(COMMITS)]


def main_order() -> list[str]:
    return [sha(i) for i in range(COMMITS)]


def make_project(root: Path) -> Path:
    """perfpages.yml-less project (the defaults), a minimal mkdocs.yml, and the runs under results/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(MINIMAL_MKDOCS_YML.format(site_name="triage"))
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "index.md").write_text("# Triage\n")
    for record in runs():
        write_run(root / "results", record)
    return root
