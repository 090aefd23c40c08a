"""Scale benchmark of the dashboard build, and chart time in a real browser.

Generates a synthetic project history with perfpages' own results writer: S
scenarios x 4 metrics (400 series by default) over C commits on main, plus P pull
requests measured as interleaved A/B runs. Then measures, each in a fresh process:
the full build (generate + mkdocs build --strict), generation after one more run,
the site's size and the peak memory. The browser part times how long a scenario page
with 5,000 points takes to show its chart in headless Chromium.

    python scenarios/site_bench.py                 # the issue's scale: 100 x 4 series, 2,000 commits, 1,000 PRs
    python scenarios/site_bench.py --half          # also the half history, to show linear growth
    python scenarios/site_bench.py --scale 0.05    # a quick run
    python scenarios/site_bench.py --json          # one JSON document on stdout (the perfpages scenario uses this)
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfpages.model import CommitInfo, Direction, Measurement, RunRecord
from perfpages.results.store import write_run
from perfpages.runner.executor import Execution, Invocation, SubprocessExecutor
from perfpages.site.build import MINIMAL_MKDOCS_YML

METRICS = (
    ("wall_time", "s", Direction.LOWER, 0.02),
    ("cpu_time", "s", Direction.LOWER, 0.02),
    ("max_rss", "bytes", Direction.LOWER, 0.001),
    ("instructions", "instructions", Direction.LOWER, 0.0002),
)
SAMPLES = 5
SLOWER = 10  # every third PR makes this many scenarios (4 series each) 10% slower; the rest change nothing

PERFPAGES_YML = """\
project:
  name: scale
  repository: https://github.com/example/scale
  main_branch: main
scenarios:
  - name: s0000
    command: ["true"]
    metrics: [wall_time]
"""


@dataclass(frozen=True)
class Shape:
    scenarios: int
    commits: int
    prs: int


def sha(tag: str) -> str:
    return hashlib.sha1(tag.encode()).hexdigest()


def commit(i: int) -> CommitInfo:
    day = 1_767_225_600 + i * 3600  # one commit an hour from 2026-01-01
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(day))
    return CommitInfo(sha(f"c{i}"), f"Commit {i}: tune things", "Ada", stamp, stamp, (sha(f"c{i - 1}"),) if i else ())


def levels(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """Per series and commit: the true level, with a few real steps."""
    n_series = shape.scenarios * len(METRICS)
    base = rng.uniform(1, 100, size=(n_series, 1))
    steps = np.ones((n_series, shape.commits))
    for s in range(n_series):
        for at in rng.choice(shape.commits, size=2, replace=False):
            steps[s, at:] *= 1 + rng.choice([-1, 1]) * rng.uniform(0.05, 0.2)
    return base * steps


def measurements(shape: Shape, level: np.ndarray, at: str, rng, slower: int = 0) -> tuple[Measurement, ...]:
    """One run's samples; the first ``slower`` scenarios are 10% slower in every metric."""
    out = []
    for k in range(shape.scenarios):
        for j, (metric, unit, direction, noise) in enumerate(METRICS):
            value = level[k * len(METRICS) + j] * (1.1 if k < slower else 1.0)
            samples = value * (1 + noise * rng.standard_normal(SAMPLES))
            out.append(Measurement(f"s{k:04d}", metric, unit, direction, at, tuple(float(f"{x:.6g}") for x in samples)))
    return tuple(out)


def record(run_id: str, head: CommitInfo, ms, base: CommitInfo | None = None, pr: int | None = None) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        machine="bench-1",
        head=head,
        started_at=head.committer_date.replace("+00:00", "Z"),
        finished_at=head.committer_date.replace("+00:00", "Z"),
        tool_version="0.3.0",
        fingerprint={"cpu_model": "Bench CPU", "kernel": "6.1", "governor": "performance"},
        measurements=ms,
        base=base,
        pull_request=pr,
        branch=f"pr-{pr}" if pr else "main",
    )


def make_history(root: Path, shape: Shape, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Scale\n")
    (root / "perfpages.yml").write_text(PERFPAGES_YML)
    (root / "mkdocs.yml").write_text(MINIMAL_MKDOCS_YML.format(site_name="scale"))
    truth = levels(shape, rng)
    for i in range(shape.commits):
        write_run(root / "results", record(f"main-{i}", commit(i), measurements(shape, truth[:, i], sha(f"c{i}"), rng)))
    for p in range(shape.prs):
        base_index = int(shape.commits * (p + 1) / (shape.prs + 1))
        base = commit(base_index)
        head = CommitInfo(
            sha(f"pr{p}"), f"PR {p} change", "Grace", base.committer_date, base.committer_date, (base.sha,)
        )
        ms = measurements(shape, truth[:, base_index], base.sha, rng)
        ms += measurements(shape, truth[:, base_index], head.sha, rng, slower=SLOWER if p % 3 == 0 else 0)
        write_run(root / "results", record(f"pr-{p}", head, ms, base=base, pr=p + 1))


def perfpages(root: Path, *args: str, timeout: float = 7200) -> tuple[dict, Execution]:
    """Run `perfpages ARGS --json` in a fresh process; its own peak memory is sampled from /proc."""
    argv = (sys.executable, "-m", "perfpages", *args, "--json")
    done = SubprocessExecutor().execute(Invocation(argv, root, dict(os.environ), timeout))
    if not done.ok:
        raise SystemExit(f"perfpages {' '.join(args)} failed in {root}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout), done


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure_build(shape: Shape, root: Path) -> dict:
    started = time.perf_counter()
    make_history(root, shape)
    history_s = time.perf_counter() - started
    full, run = perfpages(root, "build")
    rng = np.random.default_rng(7)
    extra = record(
        "main-extra",
        commit(shape.commits),
        measurements(shape, levels(shape, rng)[:, -1], sha(f"c{shape.commits}"), rng),
    )
    write_run(root / "results", extra)
    again, rerun = perfpages(root, "build", "--no-mkdocs")
    return {
        "series": shape.scenarios * len(METRICS),
        "commits": shape.commits,
        "prs": shape.prs,
        "pages": full["pages"],
        "history_write_s": round(history_s, 1),
        "results_mb": round(folder_bytes(root / "results") / 1e6, 1),
        "full_build_s": round(run.wall_time, 2),
        "generate_s": full["generate_seconds"],
        "mkdocs_s": full["mkdocs_seconds"],
        "peak_rss_mb": round(run.max_rss / 1e6),
        "site_mb": round(folder_bytes(root / "site") / 1e6, 1),
        "incremental_generate_s": round(rerun.wall_time, 2),
        "incremental_written": again["written"],
    }


def overview_transfer_kb(site: Path) -> float:
    """Bytes the overview needs before any plotly, gzipped as GitHub Pages serves them: the page,
    its scripts and styles, and the search index Material's search fetches on load."""
    html = (site / "perf" / "index.html").read_text()
    assets = [site / "perf" / "index.html", site / "search" / "search_index.json"]
    for ref in re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', html):
        path = (site / "perf" / ref).resolve()
        if path.is_file():
            assets.append(path)
    return round(sum(len(gzip.compress(p.read_bytes())) for p in assets) / 1e3, 1)


def chart_time_ms(points: int, root: Path, repeats: int = 6, cold_visits: int = 5) -> dict:
    """Navigation to a scenario page with `points` commits until its first chart shows them, in headless
    Chromium, beside plotly's own floor for the same points.

    Both pages are timed to the same thing: the points drawn (the floor's ``newPlot`` has resolved;
    the chart's first ``newPlot``, its line with every point, its axes, ticks, threshold band and
    labels, has). The chart then adds the samples' spread and the range slider; the time until
    those are drawn too is reported beside it (``chart_complete_cold_ms``).

    The browser keeps a profile on disk, as a reader's does. The first visit is cold: nothing
    cached. Chromium keeps the compiled code of a script only once it has run it twice, so
    visits from the third on are what a returning reader sees. The floor is a bare page that loads
    the same plotly.min.js and draws the same points with one ``Plotly.newPlot``. Then, in one
    visit, Material's instant navigation goes from one scenario page to the next: how often plotly
    was evaluated, and how long the second page's chart took."""
    from playwright.sync_api import sync_playwright

    make_history(root, Shape(2, points, 0))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "site")))
    origin = f"http://127.0.0.1:{server.server_port}"
    # Material navigates instantly only to pages its sitemap lists at this very port: the site is
    # built for the URL it is served at, as a published site is.
    config = root / "mkdocs.yml"
    config.write_text(f"site_url: {origin}/\n" + config.read_text())
    perfpages(root, "build")
    write_floor_page(root / "site")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    first, second = sorted(p.name for p in (root / "site" / "perf" / "scenarios").iterdir())
    report: dict = {"points": points}
    with sync_playwright() as p:
        pages = (
            ("chart", f"{origin}/perf/scenarios/{first}/", (CHART_POINTS, CHART_DRAWN)),
            ("plotly_floor", f"{origin}/plotly-floor.html", ("window.drawn === 1",)),
        )
        cold: dict[str, list[float]] = {name: [] for name, _, _ in pages}
        complete: list[float] = []  # the chart's first visits until the spread and the slider are drawn too
        # First visits alternate between the chart and its floor, each with a new profile: on a shared
        # machine one first visit says little, and alternating spreads the load on both alike.
        for visit in range(cold_visits):
            for name, url, done in pages:
                with tempfile.TemporaryDirectory(prefix="perfpages-profile-") as profile:
                    context = p.chromium.launch_persistent_context(
                        profile, executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                    )
                    timings = _navigations(context, url, done, repeats if visit == 0 else 0)
                    context.close()
                cold[name].append(timings[0][0])
                if name == "chart":
                    complete.append(timings[0][-1])
                if visit == 0:
                    report[f"{name}_returning_ms_median"] = round(float(np.median([t[0] for t in timings[2:]])))
        for name, values in cold.items():
            report[f"{name}_cold_ms"] = round(float(np.median(values)))
            # The spread of first visits: on a shared machine a median alone hides how far they scatter.
            report[f"{name}_cold_ms_all"] = [round(v) for v in values]
        report["chart_complete_cold_ms"] = round(float(np.median(complete)))
        report["cold_visits"] = cold_visits
        report["cold_ratio"] = round(report["chart_cold_ms"] / report["plotly_floor_cold_ms"], 2)
        # Each chart visit against the floor visit right after it: load that drifts during the run
        # weighs on both sides of a pair alike.
        pairs = [c / f for c, f in zip(cold["chart"], cold["plotly_floor"], strict=True)]
        report["cold_ratio_paired_median"] = round(float(np.median(pairs)), 2)
        report |= _instant_navigation(p, origin, first, second)
    server.shutdown()
    return report


# The first chart's points show: what the floor page waits for. The chart draws them first and then
# adds the samples' spread and the range slider ("points", then "drawn"; static/perfpages.js).
CHART_POINTS = "['points', 'drawn'].includes(document.querySelector('.pp-chart')?.dataset.state)"
CHART_DRAWN = "document.querySelector('.pp-chart')?.dataset.state === 'drawn'"
# Counts each evaluation of plotly.min.js: the bundle ends by setting window.Plotly.
COUNT_PLOTLY = """
let plotly;
window.plotlyEvaluations = 0;
Object.defineProperty(window, "Plotly", {
  configurable: true,
  get() { return plotly; },
  set(value) { if (value && value !== plotly) window.plotlyEvaluations += 1; plotly = value; },
});
"""


def write_floor_page(site: Path) -> None:
    """plotly's floor: the first chart's points drawn by one Plotly.newPlot from the same plotly.min.js."""
    (data,) = [p for p in (site / "perf" / "api" / "scenarios").iterdir() if p.name.startswith("s0000-")]
    series = json.loads(data.read_text())["metrics"][0]["series"][0]
    figure = json.dumps([{"x": series["x"], "y": series["y"], "type": "scatter", "mode": "lines"}])
    (site / "plotly-floor.html").write_text(
        '<!doctype html><div id="chart" style="height:420px"></div>'
        '<script src="perf/assets/plotly.min.js"></script>'
        f"<script>Plotly.newPlot('chart', {figure}).then(function () {{ window.drawn = 1; }});</script>"
    )


def _instant_navigation(p, origin: str, first: str, second: str) -> dict:
    """One visit: the first scenario page, back to the overview and on to the second scenario page, by
    clicking links as a reader does (Material swaps the page content without reloading scripts)."""
    with tempfile.TemporaryDirectory(prefix="perfpages-profile-") as profile:
        context = p.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context.add_init_script(COUNT_PLOTLY)
        tab = context.new_page()
        tab.goto(f"{origin}/perf/scenarios/{first}/")
        tab.wait_for_function(CHART_DRAWN, timeout=60000)
        tab.evaluate("window.sameDocument = true")  # gone after a full page load
        tab.get_by_role("link", name="← overview").first.click()
        tab.wait_for_function("!document.querySelector('.pp-chart') && !!document.querySelector('.pp-overview')")
        started = time.perf_counter()
        tab.locator(f"a[href*='{second}']").first.click()
        tab.wait_for_function(CHART_POINTS, timeout=60000)
        next_ms = (time.perf_counter() - started) * 1000
        tab.wait_for_function(CHART_DRAWN, timeout=60000)
        evaluations = tab.evaluate("window.plotlyEvaluations")
        instant = tab.evaluate("window.sameDocument === true")
        context.close()
    return {"next_page_ms": round(next_ms), "plotly_evaluations_per_visit": evaluations, "instant": instant}


def _navigations(context, url: str, marks: tuple[str, ...], repeats: int) -> list[list[float]]:
    """Milliseconds from navigation to each of ``marks`` in turn, for the first visit and ``repeats`` more."""
    timings = []
    for _ in range(repeats + 1):
        tab = context.new_page()
        started = time.perf_counter()
        tab.goto(url, wait_until="commit")
        reached = []
        for done in marks:
            tab.wait_for_function(done, timeout=60000)
            reached.append((time.perf_counter() - started) * 1000)
        timings.append(reached)
        tab.close()
    return timings


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="Multiply series, commits and PRs (1.0: 400 x 2,000 + 1,000)."
    )
    parser.add_argument("--half", action="store_true", help="Also build half the history, to show how time grows.")
    parser.add_argument("--chart-points", type=int, default=5000, help="Points on the browser-timed chart; 0 skips it.")
    parser.add_argument(
        "--cold-visits", type=int, default=5, help="First visits of the chart and of its floor, interleaved (median)."
    )
    parser.add_argument("--json", action="store_true", help="Print one JSON document.")
    args = parser.parse_args()
    full = Shape(max(2, round(100 * args.scale)), max(20, round(2000 * args.scale)), max(2, round(1000 * args.scale)))
    shapes = [] if args.scale == 0 else [full]
    if args.half and shapes:
        shapes.insert(0, Shape(shapes[0].scenarios, shapes[0].commits // 2, shapes[0].prs // 2))
    report: dict = {"builds": []}
    with tempfile.TemporaryDirectory(prefix="perfpages-scale-") as tmp:
        for n, shape in enumerate(shapes):
            root = Path(tmp) / f"build{n}"
            result = measure_build(shape, root)
            result["overview_kb_gzip"] = overview_transfer_kb(root / "site")
            report["builds"].append(result)
            shutil.rmtree(root)
            print(json.dumps(result), file=sys.stderr)
        if args.chart_points:
            report["chart"] = chart_time_ms(args.chart_points, Path(tmp) / "chart", cold_visits=args.cold_visits)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for b in report["builds"]:
        print(
            f"{b['series']} series x {b['commits']} commits + {b['prs']} PRs ({b['pages']} pages): "
            f"full build {b['full_build_s']} s (generate {b['generate_s']} s, mkdocs {b['mkdocs_s']} s), "
            f"after one more run {b['incremental_generate_s']} s, site {b['site_mb']} MB, "
            f"peak {b['peak_rss_mb']} MB, overview {b['overview_kb_gzip']} kB gzip"
        )
    if "chart" in report:
        c = report["chart"]
        print(
            f"chart with {c['points']} points: {c['chart_cold_ms']} ms on a first visit (median of {c['cold_visits']}; "
            f"{c['chart_complete_cold_ms']} ms until its spread and range slider are drawn too) "
            f"({c['cold_ratio']}x plotly's floor), {c['chart_returning_ms_median']} ms for a returning reader "
            f"(median); plotly's floor (the same plotly.min.js drawing the same points with one newPlot): "
            f"{c['plotly_floor_cold_ms']} ms first, {c['plotly_floor_returning_ms_median']} ms returning; "
            f"instant navigation to the next scenario page: chart in {c['next_page_ms']} ms, plotly evaluated "
            f"{c['plotly_evaluations_per_visit']} time(s) in the visit"
            + ("" if c["instant"] else " (Material did not navigate instantly: every page was loaded)")
        )


if __name__ == "__main__":
    main()
