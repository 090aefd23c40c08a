"""The overview's triage in a real browser: attention order, status filters, sortable columns, stale rows.

Uses test_browser's browser and page fixtures, on the triage history (tests/triagehistory.py).
"""

from __future__ import annotations

import pytest
import triagehistory as th

# test_browser's fixtures (a Chromium, and a page that fails the test on any console error) and its skip mark.
from test_browser import browser, built_and_served, page, pytestmark, shot  # noqa: F401

ATTENTION = ["regressed", "unconfirmed", "improved", "stable", "stale"]
VISIBLE = ".pp-overview tbody tr:not([hidden])"


@pytest.fixture
def tab(page):  # noqa: F811
    return page


@pytest.fixture(scope="module")
def triage_url(tmp_path_factory):
    with built_and_served(th.make_project(tmp_path_factory.mktemp("triage") / "demo")) as url:
        yield f"{url}perf/"


def statuses(tab, selector: str = ".pp-overview tbody tr") -> list[str]:
    return tab.eval_on_selector_all(selector, "rows => rows.map(r => r.dataset.status)")


def column(tab, n: int) -> list[str]:
    return tab.eval_on_selector_all(".pp-overview tbody tr", f"rows => rows.map(r => r.cells[{n}].textContent)")


def test_regressed_and_unconfirmed_rows_come_first_and_a_stale_row_is_grey_and_last(tab, triage_url):
    tab.goto(triage_url)
    order = statuses(tab)
    assert order == sorted(order, key=ATTENTION.index)
    assert order[: th.FLEET["bm-1"] + th.FLEET["bm-2"] + 1] == ["regressed"] * 9 + ["unconfirmed"]
    assert order[-1] == "stale"
    stale = tab.locator(".pp-overview tbody tr").last
    assert stale.locator("td").first.inner_text() == "renamed"
    assert "stale since 2026-09-25" in stale.inner_text()
    assert float(stale.locator("td").first.evaluate("td => getComputedStyle(td).opacity")) < 1
    assert tab.evaluate("typeof window.Plotly") == "undefined"  # the overview stays light
    shot(tab, "overview-triage")


def test_a_status_filter_shows_only_its_rows_and_its_count_matches(tab, triage_url):
    tab.goto(triage_url)
    total = tab.locator(".pp-overview tbody tr").count()
    button = tab.locator('button.pp-status[data-status="regressed"]')
    count = int(button.locator(".pp-count").inner_text())
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert statuses(tab, VISIBLE) == ["regressed"] * count
    assert tab.locator("#pp-shown").inner_text() == f"{count} of {total} series shown"
    tab.locator('button.pp-status[data-status="stale"]').click()  # a second status adds its rows
    assert statuses(tab, VISIBLE) == ["regressed"] * count + ["stale"]
    tab.locator('button.pp-status[data-status="stale"]').click()
    tab.select_option("#pp-machine", "bm-2")  # and the other filters still apply
    assert statuses(tab, VISIBLE) == ["regressed"] * th.FLEET["bm-2"]
    button.click()
    tab.select_option("#pp-machine", "")
    assert tab.locator(VISIBLE).count() == total and tab.locator("#pp-shown").inner_text() == f"{total} series"
    tab.fill("#pp-filter", "unconfirmed")  # typing a status finds its rows too
    assert statuses(tab, VISIBLE) == ["unconfirmed"]
    shot(tab, "overview-filter-status")


def test_a_clicked_header_sorts_its_column_both_ways_and_stale_rows_stay_last(tab, triage_url):
    tab.goto(triage_url)
    header = tab.locator(".pp-overview thead th").first
    header.locator("button").click()
    names = column(tab, 0)
    assert header.get_attribute("aria-sort") == "ascending"
    assert names[:-1] == sorted(names[:-1]) and names[-1] == "renamed"
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    names = column(tab, 0)
    assert names[:-1] == sorted(names[:-1], reverse=True) and names[-1] == "renamed"
    # By keyboard: the "vs 30 runs earlier" header is a button; Enter sorts by the numbers ("+9%" < "+10%").
    change = tab.locator(".pp-overview thead th").nth(3)
    change.locator("button").focus()
    tab.keyboard.press("Enter")
    assert change.get_attribute("aria-sort") == "ascending" and header.get_attribute("aria-sort") == "none"
    cells = ".pp-overview tbody tr:not(.pp-stale) td:nth-child(4)"
    values = [float(v.rstrip("%")) for v in tab.eval_on_selector_all(cells, "cells => cells.map(c => c.textContent)")]
    assert values == sorted(values) and values[0] < 0 < values[-1]
    shot(tab, "overview-sorted")
    # The status column sorts back to the attention order the page came in.
    tab.locator(".pp-overview thead th").nth(2).locator("button").click()
    assert statuses(tab) == sorted(statuses(tab), key=ATTENTION.index)


def test_an_event_is_one_row_on_the_changes_page_and_its_folded_series_lead_to_their_pages(tab, triage_url):
    tab.goto(triage_url)
    tab.get_by_role("link", name="6 series").click()  # from the overview's line for the event
    tab.wait_for_url("**/perf/changes/#event-*")
    rows = tab.locator("article table").first.locator("tbody tr")
    assert rows.filter(has_text="moved together").count() == 2  # one per machine
    fold = tab.locator("details.pp-event").first
    assert "turbo: False → True" in fold.locator("summary").inner_text()
    # Folded until asked for: the link to the event's anchor opens it.
    assert fold.evaluate("d => d.open") and not tab.locator("details.pp-event").nth(1).evaluate("d => d.open")
    assert fold.locator("tbody tr").count() == th.FLEET["bm-1"]
    shot(tab, "changes-event")
    fold.get_by_role("link", name="fleet-00").click()
    tab.wait_for_url("**/perf/scenarios/fleet-00-*/")
    assert tab.locator("h1").inner_text() == "fleet-00"


def test_on_a_phone_the_first_screen_reaches_the_filters_and_the_first_regressed_row(browser, triage_url, tab):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(triage_url)
    first = phone.locator(".pp-overview tbody tr").first
    assert first.get_attribute("data-status") == "regressed"
    row, filters = first.bounding_box(), phone.locator(".pp-statuses").bounding_box()
    assert row["y"] + row["height"] <= 844 and filters["y"] + filters["height"] <= 844, (row, filters)
    # The recent shifts are folded to one line, and a tap shows them all.
    shifts = phone.locator("details.pp-events")
    assert not shifts.locator("li").first.is_visible()
    # Shifts are counted, and the lines they make (a fleet of 6 series moved in one event).
    assert shifts.locator("summary").inner_text() == "11 recent shifts in 4 events, the newest on 2026-10-08"
    # So is the note on the table's order (and what "stale" means).
    assert not phone.locator("details.pp-order p").is_visible()
    assert phone.locator("details.pp-order summary").inner_text() == "Order: regressed first, stale last"
    shot(phone, "overview-phone-first-screen")
    shifts.locator("summary").click()
    assert shifts.locator("li").count() == 4 and shifts.locator("li").last.is_visible()
    context.close()
    # A desktop shows them in full, without the summary line to open them by.
    tab.goto(triage_url)
    assert tab.locator("details.pp-events li").last.is_visible()
    assert not tab.locator("details.pp-events summary").is_visible()
    assert "stale last (1 series: not measured" in tab.locator("details.pp-order p").inner_text()
    assert not tab.locator("details.pp-order summary").is_visible()
