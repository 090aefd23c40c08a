"""`perfpages import asv` against `asv publish` on one generated asv v2 history, side by side.

The history is written in asv's own results format (as the real ones in
../shared/benchmark-data/asv-small are): ``benchmarks.json``, a machine folder with
``machine.json``, and one results file per commit with ``result_columns`` rows, every
benchmark with ``samples`` raw samples. A git repository with the commits is made too, as
`asv publish` needs one. Both tools then read the same files in this process's children;
each one's wall time and peak RSS are reported.

    python scenarios/asv_import_bench.py [--benchmarks 400] [--commits 2000] [--samples 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

COLUMNS = [
    "result",
    "params",
    "version",
    "started_at",
    "duration",
    "stats_ci_99_a",
    "stats_ci_99_b",
    "stats_q_25",
    "stats_q_75",
    "stats_number",
    "stats_repeat",
    "samples",
    "profile",
]
MACHINE = "bench-box"
ENV = "virtualenv-py3.11"
START_MS = 1_700_000_000_000


@dataclass(frozen=True)
class Timing:
    tool: str
    seconds: float
    cpu_seconds: float  # user + system: on a shared machine, steadier than wall time
    peak_rss_mb: float


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    env = {"GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "B"}
    env |= {"GIT_COMMITTER_EMAIL": "b@example.com", "PATH": "/usr/bin:/bin", "HOME": str(repo)}
    done = subprocess.run(["git", *args], cwd=repo, env=env, input=stdin, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def make_repo(repo: Path, commits: int) -> list[tuple[str, int]]:
    """``commits`` commits on main, one hour apart, made with one `git fast-import`: (sha, ms)."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    stream = []
    for i in range(commits):
        when = START_MS // 1000 + 3600 * i
        stream += [f"commit refs/heads/main\nmark :{i + 1}\ncommitter B <b@example.com> {when} +0000\n"]
        stream += [f"data {len(f'change {i}')}\nchange {i}\n"]
        stream += [f"from :{i}\n" if i else "", f"M 644 inline f.txt\ndata {len(str(i))}\n{i}\n\n"]
    git(repo, "fast-import", "--quiet", stdin="".join(stream))
    shas = git(repo, "rev-list", "--reverse", "main").split()
    return [(sha, START_MS + 3_600_000 * i) for i, sha in enumerate(shas)]


def write_history(results: Path, commits: list[tuple[str, int]], benchmarks: int, samples: int, seed: int = 0):
    """asv v2 results: every benchmark a time, parameterless, ``samples`` samples a point."""
    rng = random.Random(seed)
    names = [f"benchmarks.Suite{b // 20}.time_case_{b:04d}" for b in range(benchmarks)]
    info = {
        n: {"name": n, "type": "time", "unit": "seconds", "param_names": [], "params": [], "version": "1" * 64}
        for n in names
    }
    (results / MACHINE).mkdir(parents=True)
    (results / "benchmarks.json").write_text(json.dumps({**info, "version": 2}))
    machine = {"arch": "x86_64", "cpu": "Test CPU", "machine": MACHINE, "num_cpu": "2", "os": "Linux", "ram": "8"}
    (results / MACHINE / "machine.json").write_text(json.dumps({**machine, "version": 1}))
    levels = [rng.uniform(1e-6, 1e-2) for _ in names]
    for c, (sha, ms) in enumerate(commits):
        rows = {}
        for b, name in enumerate(names):
            level = levels[b] * (1.2 if c > len(commits) // 2 and b % 10 == 0 else 1.0)
            values = [level * (1 + rng.gauss(0, 0.01)) for _ in range(samples)]
            median = sorted(values)[samples // 2]
            rows[name] = [[median], [], "1" * 64, ms + b, 0.5, [min(values)], [max(values)]]
            rows[name] += [[median], [median], [1], [samples], [values], None]
        doc = {
            "commit_hash": sha,
            "env_name": ENV,
            "date": ms,
            "params": {**machine, "python": "3.11"},
            "python": "3.11",
            "requirements": {},
            "env_vars": {},
            "result_columns": COLUMNS,
            "results": rows,
            "durations": {},
            "version": 2,
        }
        (results / MACHINE / f"{sha[:8]}-{ENV}.json").write_text(json.dumps(doc))


def asv_conf(project: Path) -> None:
    conf = {
        "version": 1,
        "project": "bench",
        "project_url": "https://example.com/",
        "repo": ".",
        "branches": ["main"],
        "environment_type": "virtualenv",
        "results_dir": "results",
        "html_dir": "html",
    }
    (project / "asv.conf.json").write_text(json.dumps(conf))


def timed(tool: str, argv: list[str], cwd: Path) -> Timing:
    """One child's wall time and its own peak RSS (wait4 gives that child's rusage alone)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}  # this checkout's perfpages
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{tool} exited with {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    timing = Timing(tool, round(seconds, 2), round(cpu, 2), round(usage.ru_maxrss / 1024, 1))
    print(timing, file=sys.stderr, flush=True)  # a long run stopped later still leaves this
    return timing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmarks", type=int, default=400)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfpages-asv-") as tmp:
        project = Path(tmp) / "project"
        commits = make_repo(project, args.commits)
        write_history(project / "results", commits, args.benchmarks, args.samples)
        size = sum(p.stat().st_size for p in (project / "results").rglob("*.json"))
        asv_conf(project)
        ours = timed(
            "perfpages import asv",
            [sys.executable, "-m", "perfpages", "import", "asv", "results", "--out", str(Path(tmp) / "out"), "--json"],
            project,
        )
        theirs = timed("asv publish", [sys.executable, "-m", "asv", "publish", "--no-pull"], project)
        shutil.rmtree(project / "html", ignore_errors=True)
    report = {
        "benchmarks": args.benchmarks,
        "commits": args.commits,
        "samples": args.samples,
        "results_mb": round(size / 1e6, 1),
        "timings": [asdict(ours), asdict(theirs)],
        "ratio": round(ours.seconds / theirs.seconds, 3),
        "cpu_ratio": round(ours.cpu_seconds / theirs.cpu_seconds, 3),
    }
    print(json.dumps(report, indent=2) if args.json else report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
