"""The engagement page in a real browser (Debian's Chromium through Playwright): a
withdrawal confirmed with the keyboard alone (Tab to the confirmation, Enter opens it,
the reason is required by the browser, Enter on the confirm button sends it), and the
page at 390 px wide does not scroll sideways: the process diagram scrolls in its own
box, which the keyboard can reach."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.support import Api, LiveServer
from tests.web.conftest import key_of
from tests.web.pages.site import browser

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
__all__ = ["browser"]  # the module fixture this suite uses

GRANT = {
    "funding_reference": "67K12345",
    "notice_date": "2026-03-20",
    "period_start": "2026-04-01",
    "period_end": "2027-09-30",
    "eligible_costs": 30_000,
    "grant_amount": 27_000,
    "funding_rate_percent": 90,
}


@pytest.fixture
def live(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


def _login(page: Any, live: LiveServer, staff: Api) -> None:
    page.goto(live.url + "/login")
    page.get_by_label("API-Schlüssel").fill(key_of(staff))
    page.get_by_role("button", name="Mit Schlüssel anmelden").click()
    page.wait_for_url(live.url + "/")


def _focus_on(page: Any, selector: str, presses: int = 200) -> None:
    """Tabs until the element matching `selector` has the focus (as a keyboard user
    would get there); fails if it never does."""
    for _ in range(presses):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_a_withdrawal_is_confirmed_with_the_keyboard_alone(
    browser: Any, live: LiveServer, staff: Api
) -> None:
    eid = staff.engagement(municipality="Gemeinde Seeblick", process_version=None)["id"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    _login(page, live, staff)
    page.goto(f"{live.url}/engagements/{eid}")

    reason = page.locator("#note-withdraw")
    confirm = page.get_by_role("button", name="Zurückziehen bestätigen")
    assert not confirm.is_visible()  # no one-click withdrawal

    _focus_on(page, "#confirm-withdraw > summary")
    page.keyboard.press("Enter")  # opens the confirmation
    assert confirm.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "note-withdraw"
    assert reason.get_attribute("required") is not None
    _focus_on(page, "#confirm-withdraw button[type=submit]")
    page.keyboard.press("Enter")  # without a reason the browser keeps the form
    assert page.evaluate("document.activeElement.id") == "note-withdraw"
    assert page.evaluate("document.getElementById('note-withdraw').validity.valueMissing")
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["state"] == "application"

    page.keyboard.type("Der Gemeinderat hat den Antrag zurückgenommen.")
    _focus_on(page, "#confirm-withdraw button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"msg=transition"))
    assert page.locator("svg.diagram .stage.current").get_attribute("data-stage") == "withdrawn"
    assert "abgeschlossen" in page.locator("#final-note").inner_text()
    assert page.locator(f"main form[action^='/engagements/{eid}/']").count() == 0
    engagement = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert engagement["state"] == "withdrawn"
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert history[-1]["note"] == "Der Gemeinderat hat den Antrag zurückgenommen."
    context.close()


def test_at_390_px_the_page_does_not_scroll_sideways_but_the_diagram_does(
    browser: Any, live: LiveServer, staff: Api
) -> None:
    eid = staff.engagement(municipality="Markt Grünau", process_version=None)["id"]
    staff.ok(staff.put(f"/api/v1/engagements/{eid}/grant", json=GRANT))
    staff.ok(staff.fire(eid, "approve"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    _login(page, live, staff)
    page.goto(f"{live.url}/engagements/{eid}")
    for details in page.locator("main details").all():  # every form open, at its widest
        details.evaluate("d => d.open = true")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    region = page.get_by_role("region", name="Ablaufdiagramm (seitlich verschiebbar)")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # it scrolls, the page not
    assert region.get_attribute("tabindex") == "0"
    context.close()
