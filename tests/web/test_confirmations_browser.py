"""The confirmation steps of the engagement page in a real browser (Debian's Chromium
through Playwright), with JavaScript switched off to show they need none: removing a
participant and cancelling a workshop take a second, explicit button that only shows
once its <details> is opened and that says what will happen; an address without a dot
in its domain is stopped by the browser before the server sees it.
"""

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


@pytest.fixture
def live(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


def test_remove_and_cancel_need_a_second_step_without_javascript(
    browser: Any, live: LiveServer, staff: Api
) -> None:
    eid = staff.engagement(municipality="Gemeinde Seeblick")["id"]
    petra = staff.participant(eid, name="Petra Klein", email="petra@example.org")["id"]
    staff.participant(eid, name="Jonas Becker", email="jonas@example.org")
    wid = staff.workshop(eid, title="Auftaktworkshop")["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)

    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live.url + "/login")
    page.get_by_label("API-Schlüssel").fill(key_of(staff))
    page.get_by_role("button", name="Mit Schlüssel anmelden").click()
    page.goto(f"{live.url}/engagements/{eid}")

    # remove a participant: the button shows only after opening "Entfernen", and says
    # what goes with the person
    row = page.locator(f'tr[data-participant="{petra}"]')
    delete = row.get_by_role("button", name="Petra Klein endgültig löschen")
    assert not delete.is_visible()
    row.locator("details.pt-remove summary").click()
    assert delete.is_visible()
    warning = row.locator("details.pt-remove p").inner_text()
    assert "Petra Klein wird mit Name und E-Mail-Adresse gelöscht" in warning
    assert "ihre 1 Einladung(en) mit den Antworten werden gelöscht" in warning
    delete.click()
    page.wait_for_url(re.compile(r"msg=removed"))
    assert "Teilnehmende Person und ihre Daten gelöscht." in page.get_by_role("status").inner_text()
    people = page.locator("#participants table").inner_text()
    assert "Petra Klein" not in people and "Jonas Becker" in people
    assert [p["name"] for p in staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))] == [
        "Jonas Becker"
    ]

    # cancel a workshop: the same, with an optional reason for the invitees
    workshop = page.locator(f'li[data-workshop="{wid}"]')
    confirm = workshop.get_by_role("button", name="Workshop verbindlich absagen")
    assert not confirm.is_visible()
    workshop.locator("details.ws-cancel summary").click()
    assert (
        "Die 1 Eingeladenen erhalten eine Absage"
        in workshop.locator("details.ws-cancel").inner_text()
    )
    workshop.get_by_label("Grund für die Eingeladenen (optional)").fill("Saal gesperrt")
    confirm.click()
    page.wait_for_url(re.compile(r"msg=ws_cancelled"))
    assert "Workshop abgesagt" in page.get_by_role("status").inner_text()
    workshop = page.locator(f'li[data-workshop="{wid}"]')
    assert "abgesagt" in workshop.locator("h3").inner_text()
    assert workshop.get_by_role("button").count() == 0
    assert staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["cancelled"] is True

    # the browser stops an address without a dot in its domain, as the server would
    clean = f"{live.url}/engagements/{eid}"
    page.goto(clean)
    form = page.locator("#participant-form")
    form.get_by_label("Name", exact=True).fill("Max Muster")
    form.get_by_label("E-Mail", exact=True).fill("max@gemeinde")
    form.get_by_role("button", name="Hinzufügen").click()
    assert page.url == clean  # nothing was sent
    assert page.locator("#p-email:invalid").count() == 1
    assert len(staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))) == 1
    form.get_by_label("E-Mail", exact=True).fill("max@gemeinde.de")
    form.get_by_role("button", name="Hinzufügen").click()
    page.wait_for_url(re.compile(r"msg=participant"))
    assert "Max Muster" in page.locator("#participants table").inner_text()
    context.close()
