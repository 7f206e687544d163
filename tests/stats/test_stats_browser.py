"""The statistics page in a real browser (Debian's Chromium, as tests/web/test_browser.py
runs it): staff follow the navigation to it, and the browser's accessibility tree exposes
each chart as an image named by its title. With FOKUS_SCREENSHOTS=1 it also writes
docs/images/stats.png."""

from __future__ import annotations

import os
from typing import Any

import pytest

from service.core.clock import MovableClock
from tests.stats.test_stats import portfolio
from tests.support import Api, LiveServer
from tests.web.conftest import key_of
from tests.web.test_browser import browser, live
from tests.web.test_browser_walkthrough import IMAGES

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
__all__ = ["browser", "live"]  # the fixtures, shared with the dashboard's browser tests


def test_staff_find_the_charts_by_their_titles(
    browser: Any, live: LiveServer, staff: Api, clock: MovableClock
) -> None:
    portfolio(staff, clock)
    for name, state in (("Stadt Musterhausen", "NW"), ("Landkreis Sonnental", "SN")):
        staff.engagement(municipality=name, federal_state=state)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page.goto(live.url + "/login")
    page.get_by_label("API-Schlüssel").fill(key_of(staff))
    page.get_by_role("button", name="Mit Schlüssel anmelden").click()
    page.wait_for_url(live.url + "/")
    page.get_by_role("link", name="Statistik").click()
    page.wait_for_url(live.url + "/stats")

    chart = page.get_by_role("img", name="Vorhaben je Stufe: Fokusberatung Klimaschutz")
    assert chart.count() == 1 and chart.is_visible()
    trend = page.get_by_role("img", name="Überfällige Vorhaben der letzten 12 Wochen")
    assert trend.count() == 1
    assert page.get_by_role("table", name="Überfällige Vorhaben der letzten 12 Wochen").count() == 1
    if os.environ.get("FOKUS_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / "stats.png"), full_page=True)
    page.close()
