"""The overview in Chromium: at 390 px each engagement is a card (nothing scrolls
sideways, not even inside the table's box), the columns are sorted by keyboard, and the
export links download the list that is shown."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support import Api, LiveServer
from tests.web.conftest import key_of
from tests.web.test_browser import browser, live  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def _log_in(page: Any, live: LiveServer, staff: Api) -> None:  # noqa: F811
    page.goto(live.url + "/login")
    page.get_by_label("API-Schlüssel").fill(key_of(staff))
    page.get_by_role("button", name="Mit Schlüssel anmelden").click()
    page.wait_for_url(live.url + "/")


def _portfolio(staff: Api, clock: Any) -> None:
    staff.engagement(
        municipality="Verbandsgemeinde Rheinauen-Süd-Niederhausen an der Appel",
        owner="Referentin für kommunalen Klimaschutz 10",
        federal_state="RP",
    )
    clock.advance(timedelta(days=40))
    for i in range(4):
        staff.engagement(municipality=f"Gemeinde {i}", owner=f"Referent {i}", federal_state="MV")


def test_at_390_px_every_engagement_is_a_card(
    browser: Any,  # noqa: F811
    live: LiveServer,  # noqa: F811
    staff: Api,
    clock: Any,
) -> None:
    _portfolio(staff, clock)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="de-DE")
    _log_in(page, live, staff)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = page.locator(".ov-table")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")  # no scrolling inside either
    first = page.locator("table.engagements tbody tr").first
    assert first.evaluate("e => getComputedStyle(e).display") == "block"
    cells = first.locator("td:not(.ov-select)")  # after the check box for bulk changes
    label = cells.first.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"Aktenzeichen"'
    assert "Mecklenburg-Vorpommern" in page.locator("table.engagements").inner_text()
    # the sortable headers stay, as links
    assert page.get_by_role("link", name=re.compile("^Kommune")).is_visible()
    page.goto(live.url + "/?sort=-municipality")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_sort_by_keyboard_and_download_what_is_shown(
    browser: Any,  # noqa: F811
    live: LiveServer,  # noqa: F811
    staff: Api,
    clock: Any,
    tmp_path: Path,
) -> None:
    _portfolio(staff, clock)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    _log_in(page, live, staff)
    header = page.locator("th", has=page.get_by_role("link", name=re.compile("^Kommune")))
    assert header.get_attribute("aria-sort") == "none"
    page.get_by_role("link", name=re.compile("^Kommune")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=municipality"))
    assert header.get_attribute("aria-sort") == "ascending"
    shown = page.locator("table.engagements tbody th").all_inner_texts()
    assert shown == sorted(shown, key=str.casefold)
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV für Excel").click()
    path = tmp_path / "export.csv"
    info.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode()), delimiter=";"))
    assert [r[1] for r in rows[1:]] == shown
    assert info.value.suggested_filename.startswith("beratungen-")
