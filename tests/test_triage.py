"""The overview's triage: the stale rule, events of many series, and the attention order."""

from __future__ import annotations

import datetime
import re
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
import triagehistory as th
from triagehistory import START

from perfpages.analysis.environment import fingerprint_change
from perfpages.analysis.events import group_changes, group_pending
from perfpages.analysis.freshness import RETIRED_AFTER_DAYS, STALE_AFTER, MachineRuns
from perfpages.analysis.series import build_series
from perfpages.config import load_settings
from perfpages.model import Direction, Measurement
from perfpages.site import urls
from perfpages.site.changes import FEED_ENTRIES, atom_feed, changes_page, listed_events
from perfpages.site.gather import gather
from perfpages.site.overview import attention_rows, overview_page
from perfpages.site.sparkline import POINTS, sparkline


@pytest.fixture(scope="module")
def site():
    return gather(load_settings(Path("absent-perfpages.yml")), th.runs(), th.main_order())


def _series_measured_at(plan: dict[str, dict[str, range]]):
    """Series with a point at each listed commit: {machine: {scenario: commits}}."""
    runs = []
    for machine, scenarios in plan.items():
        for i in range(th.COMMITS):
            rows = tuple(
                Measurement(name, "wall_time", "s", Direction.LOWER, th.sha(i), (1.0, 1.01, 0.99))
                for name, commits in sorted(scenarios.items())
                if i in commits
            )
            if rows:
                runs.append(replace(th.run(machine, i, np.random.default_rng(0)), measurements=rows))
    return {(s.key.machine, s.key.scenario): s for s in build_series(runs, th.main_order())}


def test_a_series_is_stale_once_its_machine_measured_enough_newer_commits_without_it():
    series = _series_measured_at(
        {
            "bm-1": {
                "current": range(40),
                "gone": range(40 - STALE_AFTER),  # its machine measured STALE_AFTER commits after it
                "just-missed": range(40 - STALE_AFTER + 1),  # one fewer: still current
            },
            # Measured up to commit 19: 20 commits and 20 days behind, like a slower runner.
            "bm-2": {"paused": range(20)},
        }
    )
    position = {sha: i for i, sha in enumerate(th.main_order())}
    daily = [th.commit(i).committer_date for i in range(th.COMMITS)]
    runs = MachineRuns(series.values(), position, daily)
    fresh = {key: runs.freshness(s) for key, s in series.items()}
    assert fresh[("bm-1", "current")].missed == 0 and not fresh[("bm-1", "current")].stale
    assert fresh[("bm-1", "gone")].missed == STALE_AFTER and fresh[("bm-1", "gone")].stale
    assert fresh[("bm-1", "gone")].last_commit == th.sha(40 - STALE_AFTER - 1)
    assert fresh[("bm-1", "just-missed")].missed == STALE_AFTER - 1 and not fresh[("bm-1", "just-missed")].stale
    assert not fresh[("bm-2", "paused")].stale
    # The same runs with a commit every other day: bm-2 is 40 days behind, more than RETIRED_AFTER_DAYS.
    sparse = [f"{START + datetime.timedelta(days=2 * i)}T12:00:00+00:00" for i in range(th.COMMITS)]
    retired = MachineRuns(series.values(), position, sparse).freshness(series[("bm-2", "paused")])
    assert retired.retired and retired.stale and retired.missed == 0
    assert 2 * 20 > RETIRED_AFTER_DAYS >= 20


def test_many_series_shifting_at_one_range_on_one_machine_are_one_event_per_machine(site):
    changes = [c for h in site.histories for c in h.changes]
    events = group_changes(changes)
    fleet = {e.machine: e for e in events if e.first_bad == th.sha(th.FLEET_AT)}
    assert set(fleet) == {"bm-1", "bm-2"}  # the same range on two machines: two events
    for machine, event in fleet.items():
        assert event.last_good == th.sha(th.FLEET_AT - 1)
        assert sorted(c.series.key.scenario for c in event.changes) == [
            f"fleet-{n:02d}" for n in range(th.FLEET[machine])
        ]
        assert event.regressions == th.FLEET[machine] and event.improvements == 0
        assert [abs(c.change) for c in event.changes] == sorted((abs(c.change) for c in event.changes), reverse=True)
    # Every change is in exactly one event: nothing dropped, nothing counted twice.
    assert sum(len(e.changes) for e in events) == len(changes)
    others = [e for e in events if e.first_bad != th.sha(th.FLEET_AT)]
    assert all(len(e.changes) == 1 for e in others)


def test_pending_shifts_group_by_machine_and_first_commit(site):
    pending = [h.pending for h in site.histories if h.pending is not None]
    groups = group_pending(pending)
    assert sum(len(g.pending) for g in groups) == len(pending)
    assert len({(g.machine, g.since) for g in groups}) == len(groups)
    assert any(g.since == th.sha(37) and g.machine == "bm-1" for g in groups)


def test_the_overview_leads_with_regressions_and_unconfirmed_and_ends_with_stale_rows(site):
    rows = attention_rows(site)
    statuses = [r.status for r in rows]
    assert statuses == sorted(statuses, key=["regressed", "unconfirmed", "improved", "stable", "stale"].index)
    assert {r.history.series.key.scenario: r.status for r in rows if r.history.series.key.machine == "bm-1"} == {
        **{f"fleet-{n:02d}": "regressed" for n in range(6)},
        "late": "unconfirmed",
        "speedup": "improved",
        "quiet": "stable",
        "renamed": "stale",  # it moved in its last runs, but whatever was said of it then is not current
    }
    # Newest first within a status: the commit that set it.
    position = site.commit_index
    regressed = [position[r.triage.since] for r in rows if r.status == "regressed"]
    assert regressed == sorted(regressed, reverse=True)


def test_the_overview_page_says_stale_since_and_counts_each_status(site):
    page = overview_page(site, urls.Links(urls.OVERVIEW, True))
    renamed = next(line for line in page.splitlines() if ">renamed<" in line)
    assert '<tr class="pp-stale" data-status="stale"' in renamed
    assert f"stale since {th.commit(th.RENAMED_UNTIL).committer_date[:10]}" in renamed
    counts = dict(re.findall(r'data-status="([a-z]+)" aria-pressed="false">[a-z]+ <span class="pp-count">(\d+)<', page))
    rows = re.findall(r'<tr(?: class="pp-stale")? data-status="([a-z]+)"', page)
    assert counts == {s: str(rows.count(s)) for s in set(rows)}
    assert "9 series" not in page  # the fleet moved as two events, one line each
    assert "6 series</a> on bm-1 moved together: 6 regressed, 0 improved · machine changed: turbo: False → True" in page
    assert "3 series</a> on bm-2 moved together: 3 regressed, 0 improved</li>" in page  # no difference to show
    assert re.search(r"late wall_time on bm-1 may have moved \+\d+\.\d%; more runs will confirm or clear it", page)
    # What "stale" means is said where the stale rows' place is: above the table, not in the folded intro.
    order = next(line for line in page.splitlines() if 'class="pp-order pp-fold"' in line)
    assert f"stale last (1 series: not measured in the newest {STALE_AFTER} runs of their machine" in order


def test_the_changes_page_and_feed_list_an_event_once_with_its_series_folded(site):
    page = changes_page(site, urls.Links(urls.CHANGES, True))
    table_rows = [line for line in page.splitlines() if line.startswith("<tr>")]
    fleet_rows = [line for line in table_rows if f"{th.sha(th.FLEET_AT)[:12]}" in line and "moved together" in line]
    assert len(fleet_rows) == 2  # one per machine
    assert "6 regressed, 0 improved · bm-1<" in next(r for r in fleet_rows if "· bm-1<" in r)
    fold = page.split('<details class="pp-event"')[1]
    assert "turbo: False → True" in fold.split("</summary>")[0]
    assert fold.count('">fleet-') == 6 and "<table>" in fold  # HTML: Markdown in <details> would not render
    unconfirmed = page.split("## Unconfirmed")[1]
    assert ">late</a>" in unconfirmed
    assert ">renamed</a>" not in unconfirmed and "1 unconfirmed shift of stale series left out" in unconfirmed
    feed = atom_feed(site, urls.Links(urls.ATOM, True)).decode()
    events = len(group_changes(c for h in site.histories for c in h.changes))
    assert feed.count("<entry>") == events
    assert feed.count("<title>9 series") == 0 and feed.count("series on bm-") == 4  # 2 events: title and summary
    assert "turbo: False → True" in feed  # the summary says what changed on the machine


def _many_events_site():
    """Four machines, each with ten scenarios that step by half at three commits of their own:
    120 one-series events, more than the feed carries."""
    rng = np.random.default_rng(7)
    runs = []
    for machine in ("bm-a", "bm-b", "bm-c", "bm-d"):
        for i in range(th.COMMITS):
            base = th.run("bm-2", i, rng)
            rows = tuple(
                Measurement(
                    f"s-{k}",
                    "wall_time",
                    "s",
                    Direction.LOWER,
                    base.head.sha,
                    tuple(1.5 ** sum(i >= at for at in (5 + k, 15 + k, 25 + k)) * (1 + 0.005 * rng.standard_normal(5))),
                )
                for k in range(10)
            )
            runs.append(replace(base, run_id=f"{machine}-{i}", machine=machine, measurements=rows))
    return gather(load_settings(Path("absent-perfpages.yml")), runs, th.main_order())


def test_a_feed_of_more_events_than_it_carries_says_how_many_and_where_all_of_them_are():
    site = _many_events_site()
    events = len(listed_events(site))
    assert events > FEED_ENTRIES
    feed = ElementTree.fromstring(atom_feed(site, urls.Links(urls.ATOM, True), "https://example.org/docs/"))
    atom = "{http://www.w3.org/2005/Atom}"
    assert len(feed.findall(f"{atom}entry")) == FEED_ENTRIES
    assert feed.findtext(f"{atom}subtitle") == (
        f"The newest {FEED_ENTRIES} of {events} events (shifts of one machine in one commit range, newest first); "
        "all of them on https://example.org/docs/perf/changes/"
    )
    (page,) = [x.get("href") for x in feed.findall(f"{atom}link") if x.get("rel") == "alternate"]
    assert page == "https://example.org/docs/perf/changes/"
    # The changes page lists every event and says that the feed carries only the newest.
    changes = changes_page(site, urls.Links(urls.CHANGES, True))
    assert f"in {events} events, all listed here" in changes
    assert f"Atom feed](changes.xml) of the newest {FEED_ENTRIES} events" in changes
    confirmed = changes.split("## Unconfirmed")[0]
    assert sum(line.startswith("<tr>") for line in confirmed.splitlines()) == events


def test_a_feed_that_carries_every_event_says_so(site):
    feed = ElementTree.fromstring(atom_feed(site, urls.Links(urls.ATOM, False)))
    events = len(listed_events(site))
    subtitle = feed.findtext("{http://www.w3.org/2005/Atom}subtitle")
    assert (
        subtitle == f"All {events} events (shifts of one machine in one commit range, newest first); "
        "also on the dashboard's changes page"
    )


def test_fingerprint_change_ignores_what_differs_every_run():
    before = {"turbo": False, "python": "3.11.7", "load_average": [1.0]}
    assert fingerprint_change(before, {**before, "load_average": [2.0]}) == ""
    assert fingerprint_change(before, {**before, "python": "3.12.1"}) == "python: 3.11.7 → 3.12.1"
    assert fingerprint_change(before, {"turbo": False, "load_average": [1.0]}) == "python: 3.11.7 → –"


def test_a_sparkline_path_steps_through_every_recent_value_in_whole_pixels():
    values = [9.0] * 14 + [2.0] * 56 + [1.0, 3.0, 2.0, 2.5]  # the 14 oldest are not drawn
    svg = sparkline(values, "stable")
    path = re.search(r'd="M0 (\d+)l([^"]*)"', svg)
    heights = [int(path.group(1))]
    for step in re.findall(r"1 (-?\d+)", path.group(2)):
        heights.append(heights[-1] + int(step))
    recent = values[-POINTS:]
    lo, hi = min(recent), max(recent)
    assert heights == [round(22 - (v - lo) / (hi - lo) * 20) for v in recent]
    assert f'viewBox="-1 0 {POINTS + 1} 24"' in svg and 'aria-label="last 60 runs"' in svg
