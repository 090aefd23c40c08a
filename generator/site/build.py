"""`perfpages build`: results -> generated pages in docs/perf/ -> `mkdocs build --strict`."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from perfpages.analysis.profiles import (
    FILE_RULES,
    FUNCTION_RULES,
    FunctionKey,
    ProfileDiff,
    diff_profiles,
    self_costs,
)
from perfpages.config import load_settings
from perfpages.errors import PerfpagesError
from perfpages.results.cache import RunCache, read_kept, replace_file, write_kept
from perfpages.results.check import load_valid_files
from perfpages.results.order import MainOrder, main_order
from perfpages.results.store import profiles_dir_for, read_profile
from perfpages.site import urls
from perfpages.site.cache import ComparisonCache, comparison_keys
from perfpages.site.gather import Site, gather
from perfpages.site.judging import RunRef, run_key
from perfpages.site.kept import RenderCache, SeriesCache
from perfpages.site.pages import render_site
from perfpages.site.writer import WriteStats, write_tree

CACHE_DIR = ".perfpages-cache"  # derived data kept between builds; gitignored, safe to delete
WRITTEN_VERSION = "written-1"  # of the writer's manifest of generated files, as kept
# Part of each cache key: bump the number when parsing changes; the rules are in it already.
PROFILE_CACHE_VERSION = repr(("self-costs-1", FUNCTION_RULES, FILE_RULES)).encode()

MINIMAL_MKDOCS_YML = """\
site_name: {site_name}
docs_dir: docs
site_dir: site
theme:
  name: material
  font: false
  features: [navigation.instant]
  palette:
    - scheme: default
      toggle: {{icon: material/weather-night, name: Switch to dark mode}}
    - scheme: slate
      toggle: {{icon: material/weather-sunny, name: Switch to light mode}}
extra_css: [perf/assets/perfpages.css]
extra_javascript: [perf/assets/perfpages.js]
not_in_nav: |
  /perf/scenarios/
  /perf/compare/
  /perf/variants/
  /perf/pr/*/
nav:
  - Home: index.md
  - Overview: perf/index.md
  - Changes: perf/changes.md
  - Pull requests: perf/pr/index.md
"""


@dataclass(frozen=True)
class MkdocsSettings:
    config_file: Path
    docs_dir: Path
    site_dir: Path
    directory_urls: bool
    site_url: str | None = None  # where the site is published, when mkdocs.yml says (the feed's self link)


@dataclass(frozen=True)
class GenerateReport:
    runs: int
    series: int
    pages: int
    files: int
    stats: WriteStats
    order: MainOrder  # git's or the commit dates', with the runs no series holds
    seconds: float
    warnings: tuple[str, ...] = ()


NOT_IN_NAV = ("/perf/scenarios/", "/perf/compare/", "/perf/variants/", "/perf/pr/*/")
LAYERED_CONFIG = "mkdocs.yml"  # inside CACHE_DIR: the user's file, with perfpages' additions on top


def mkdocs_settings(config_file: Path) -> MkdocsSettings:
    """The MkDocs configuration the build runs: the user's file as it is when it already lists
    perfpages' script and style; otherwise a generated file in CACHE_DIR that inherits the user's
    (MkDocs' INHERIT) and adds them and the nav exclusions; with no mkdocs.yml at all, a minimal
    Material site. The user's file is never edited. Raises PerfpagesError for a theme other than Material."""
    from mkdocs.config import load_config as load_mkdocs

    layered = config_file.resolve().parent / CACHE_DIR / LAYERED_CONFIG
    if not config_file.is_file():
        (config_file.resolve().parent / "docs").mkdir(exist_ok=True)  # the generated pages go under it
        _write_layered(layered, _minimal_config(config_file.resolve().parent))
        config_file = layered
    with _quiet_mkdocs():
        cfg = load_mkdocs(config_file=str(config_file))
    if cfg["theme"].name != "material":
        raise PerfpagesError(f"{config_file}: theme is {cfg['theme'].name!r}; perfpages pages need theme: material")
    if not _lists_assets(cfg) and config_file != layered:
        _write_layered(layered, _layer_on(config_file.resolve(), cfg))
        config_file = layered
    directory_urls, site_url = bool(cfg["use_directory_urls"]), cfg.get("site_url") or None
    return MkdocsSettings(config_file, Path(cfg["docs_dir"]), Path(cfg["site_dir"]), directory_urls, site_url)


def _lists_assets(cfg) -> bool:
    """Without the script and style the pages would build but show no charts."""
    listed = {str(item) for item in cfg["extra_javascript"]} | {str(item) for item in cfg["extra_css"]}
    return urls.SCRIPT in listed and urls.STYLE in listed


def _layer_on(user_file: Path, cfg) -> dict:
    """perfpages' additions over the user's file. MkDocs replaces lists from INHERIT rather than
    extending them, so the user's own entries are repeated; paths become absolute because a relative
    path would now be read from CACHE_DIR."""
    not_in_nav = str(cfg.get("not_in_nav") or "").splitlines()
    return {
        "INHERIT": str(user_file),
        "docs_dir": str(cfg["docs_dir"]),
        "site_dir": str(cfg["site_dir"]),
        "extra_css": [*map(str, cfg["extra_css"]), urls.STYLE],
        "extra_javascript": [*map(str, cfg["extra_javascript"]), urls.SCRIPT],
        "not_in_nav": "\n".join([*not_in_nav, *(p for p in NOT_IN_NAV if p not in not_in_nav)]) + "\n",
    }


def _minimal_config(root: Path) -> dict:
    """A Material site for a repository that has no mkdocs.yml: the dashboard's pages and nothing else."""
    docs = root / "docs"
    nav = [{"Home": "index.md"}] if (docs / "index.md").is_file() else []
    nav += [{"Overview": "perf/index.md"}, {"Changes": "perf/changes.md"}, {"Pull requests": "perf/pr/index.md"}]
    return {
        "site_name": f"{root.name} benchmarks",
        "docs_dir": str(docs),
        "site_dir": str(root / "site"),
        "theme": {"name": "material", "font": False, "features": ["navigation.instant"]},
        "extra_css": [urls.STYLE],
        "extra_javascript": [urls.SCRIPT],
        "not_in_nav": "\n".join(NOT_IN_NAV) + "\n",
        "nav": nav,
    }


def _write_layered(path: Path, settings: dict) -> None:
    # JSON is YAML: every string is quoted and escaped, whatever the paths hold.
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Generated by perfpages build on every run; edit your mkdocs.yml, not this.\n" + json.dumps(settings)
    replace_file(path, (text + "\n").encode())


def generate(config_path: Path, results_dir: Path, mkdocs: MkdocsSettings, jobs: int = 1) -> GenerateReport:
    """Write the generated pages; only files whose bytes changed are touched. ``jobs`` > 1 parses
    files and judges comparisons in that many processes."""
    try:
        return _generate(config_path, results_dir, mkdocs, jobs)
    finally:
        gc.unfreeze()  # `perfpages serve` builds again in the same process: what this build kept can go


def _generate(config_path: Path, results_dir: Path, mkdocs: MkdocsSettings, jobs: int) -> GenerateReport:
    started = time.perf_counter()
    config = load_settings(config_path)
    cache_dir = config_path.resolve().parent / CACHE_DIR
    run_cache = RunCache(cache_dir / "runs.pickle")
    loaded = load_valid_files(results_dir, run_cache, jobs)
    run_cache.save()
    del run_cache  # it holds every record too; they must be free to go once gathered
    # Millions of objects that live for the whole build: the cycle collector would scan them
    # over and over as more are made (3 s of a 12 s build at 400 series x 2,000 commits).
    gc.freeze()
    runs = [run.record for run in loaded]
    history = main_order(config_path, config.project.main_branch, runs)
    order = history.shas
    digests = {run_key(r.record): r.digest for r in loaded}
    floors = dict(config.project.floors)
    memo = ComparisonCache(cache_dir / "comparisons.pickle", comparison_keys(runs, digests, order, floors))
    kept_series = SeriesCache(cache_dir / "series.pickle", digests)
    site, run_count = gather(config, runs, order, memo, workers=jobs, make_series=kept_series), len(runs)
    gc.freeze()
    memo.save()
    paths = {RunRef(r.record.machine, r.record.head.sha, r.record.run_id): r.path for r in loaded if r.record.base}
    del runs, loaded  # the site keeps the samples it needs; the run records themselves can go before rendering
    profiles, warnings = read_profile_diffs(site, paths, cache_dir / "profiles")
    kept = RenderCache(cache_dir / "pages.pickle", cache_dir / "trends.pickle")
    files = render_site(
        site, floors, mkdocs.directory_urls, profiles, workers=jobs, memo=kept, site_url=mkdocs.site_url
    )
    kept.save()
    prefix = urls.ROOT + "/"
    generated = {k.removeprefix(prefix): v for k, v in files.items()}
    stats = _write_generated(mkdocs.docs_dir / urls.ROOT, generated, cache_dir / "written.pickle")
    pages = sum(1 for k in files if k.endswith(".md"))
    return GenerateReport(
        run_count,
        len(site.histories),
        pages,
        len(files),
        stats,
        replace(history, shas=[]),  # the report need not keep main's whole history
        time.perf_counter() - started,
        (*warnings, *_shape_warnings(site)),
    )


ONE_POINT_MIN = 10  # series with a single point before the build says so, and ...
ONE_POINT_SHARE = 0.5  # ... the share of all series they must be


def _shape_warnings(site: Site) -> list[str]:
    """A history where most series hold one point draws no trend at all, and usually means that
    what names a series changes from run to run: most often a machine name that each CI job
    gives anew (a hosted runner's host name), or a date inside a benchmark's name."""
    single = [h.series for h in site.histories if len(h.series) == 1]
    if len(single) < ONE_POINT_MIN or len(single) <= ONE_POINT_SHARE * len(site.histories):
        return []
    machines = {s.key.machine for s in single}
    hint = (
        f"they are spread over {len(machines)} machines: if each CI job reports its own host name, "
        "import with --machine NAME (or set a stable machine name) so runs of one runner share series"
        if len(machines) > 1
        else "check that benchmark names and parameters do not change from run to run"
    )
    return [f"{len(single)} of {len(site.histories)} series have a single point, so they draw no trend; {hint}"]


def _write_generated(root: Path, files: dict[str, bytes], kept: Path) -> WriteStats:
    """write_tree, with its manifest of the files as the last build left them kept in ``kept``."""
    found = read_kept(kept, WRITTEN_VERSION)  # none or damaged: every file is compared byte for byte
    manifest = found if isinstance(found, dict) else {}
    before = dict(manifest)
    stats = write_tree(root, files, manifest)
    if manifest != before:
        write_kept(kept, WRITTEN_VERSION, manifest)
    return stats


def read_profile_diffs(
    site: Site, paths: dict[RunRef, Path], cache: Path | None = None
) -> tuple[dict[str, ProfileDiff], list[str]]:
    """Diff the kept callgrind outputs of every A/B comparison; an unreadable one is a warning, not a failure."""
    diffs: dict[str, ProfileDiff] = {}
    warnings: list[str] = []
    for c in site.ab_comparisons:
        results_file = paths.get(c.run) if c.run else None
        for pair in c.profiles if results_file else ():
            try:
                before = _costs(results_file, pair.base, cache)
                after = _costs(results_file, pair.head, cache)
            except PerfpagesError as exc:
                warnings.append(f"no profile diff for {pair.label}: {exc}")
                continue
            diffs[urls.profile_page(c.page, pair.slug)] = diff_profiles(before, after)
    return diffs, warnings


def _costs(results_file: Path, names: tuple[str, ...], cache: Path | None) -> Counter[FunctionKey]:
    """One side's self costs, summed over every process callgrind traced."""
    total: Counter[FunctionKey] = Counter()
    for name in names:
        total.update(_cached_costs(results_file, name, cache))
    return total


def _cached_costs(results_file: Path, name: str, cache: Path | None) -> Counter[FunctionKey]:
    """Parsing a profile takes ~0.1 s per MB and profiles never change (results are append-only),
    so each one's self costs are kept in the build cache under the hash of its bytes."""
    raw = profiles_dir_for(results_file) / name
    try:
        digest = hashlib.sha1(PROFILE_CACHE_VERSION + raw.read_bytes()).hexdigest()
    except OSError as exc:
        raise PerfpagesError(f"{raw}: cannot read this callgrind output: {exc}") from None
    entry = cache / f"{digest}.json" if cache else None
    if entry is not None and entry.is_file():
        try:
            return Counter({FunctionKey(f, loc): cost for f, loc, cost in json.loads(entry.read_text())})
        except (ValueError, TypeError):
            pass  # a damaged cache entry is rebuilt below
    costs = self_costs(read_profile(results_file, name))
    if entry is not None:
        entry.parent.mkdir(parents=True, exist_ok=True)
        rows = sorted([k.function, k.location, v] for k, v in costs.items())
        replace_file(entry, json.dumps(rows, separators=(",", ":")).encode())
    return costs


def mkdocs_build(mkdocs: MkdocsSettings) -> float:
    """`mkdocs build --strict`, in process; a warning fails the build."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs
    from mkdocs.exceptions import Abort, ConfigurationError

    started = time.perf_counter()
    with _quiet_mkdocs() as quiet:
        try:
            cfg = load_mkdocs(config_file=str(mkdocs.config_file), strict=True)
            build(cfg)
        except (Abort, ConfigurationError) as exc:
            found = "".join(f"\n  {w}" for w in quiet.warnings)
            raise PerfpagesError(f"mkdocs build --strict failed: {exc}{found}") from None
    _entry_page(mkdocs)
    return time.perf_counter() - started


def _entry_page(mkdocs: MkdocsSettings) -> None:
    """A site whose docs have no index.md (the minimal one, or a user's without a home page) would
    answer its own address with a 404: a small page there sends the reader to the overview."""
    entry = mkdocs.site_dir / "index.html"
    if entry.exists():
        return
    target = "perf/" if mkdocs.directory_urls else "perf/index.html"
    entry.write_text(
        '<!doctype html><meta charset="utf-8"><title>Benchmarks</title>'
        f'<meta http-equiv="refresh" content="0; url={target}"><a href="{target}">Benchmarks overview</a>\n'
    )


class _quiet_mkdocs(logging.Handler):
    """MkDocs logs INFO lines (pages not in the nav, build time) that drown perfpages' own report.
    Its warnings are kept, so a strict-mode failure can say what they were."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())

    def __enter__(self):
        self.logger = logging.getLogger("mkdocs")
        self.level = self.logger.level
        self.logger.setLevel(logging.WARNING)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level)
