"""The municipality's view in a real browser, as the contact person opens it from the
letter: no login, German, the stage, the workshop and the measures readable, English at
a click, and after the link is revoked the page is gone."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.portal.conftest import Send, portal_letters, portal_path
from tests.support import Api, LiveServer, SmtpSink
from tests.web.test_browser import browser, live

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
__all__ = ["browser", "live"]


def test_the_contact_person_opens_the_mailed_link(
    browser: Any, live: LiveServer, staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement(municipality="Markt Grünau", owner="Lena Vogel")["id"]
    staff.ok(staff.fire(eid, "approve"))
    staff.participant(eid, name="Petra Klein")
    staff.workshop(eid, title="Auftaktworkshop", starts_at="2026-03-17T17:00:00",
                   ends_at="2026-03-17T20:00:00")  # fmt: skip
    staff.measure(eid, title="LED-Straßenbeleuchtung")
    staff.created(staff.post(f"/api/v1/engagements/{eid}/portal-link"))
    # the dispatcher runs its own event loop: not in the thread Playwright's loop runs in
    sender = threading.Thread(target=send)
    sender.start()
    sender.join(timeout=30)
    path = portal_path(portal_letters(smtp_sink, 1)[0])

    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="de-DE")
    page.goto(live.url + path)
    assert page.get_by_role("heading", name="Stand der Beratung: Markt Grünau").is_visible()
    assert page.locator("#portal-stage").inner_text().startswith("Auftaktgespräch")
    assert page.get_by_role("row", name="Auftaktworkshop").is_visible()
    assert page.get_by_role("row", name="LED-Straßenbeleuchtung").is_visible()
    assert page.locator("form").count() == 0
    content = page.content()
    assert "Anna Schmidt" not in content and "Petra Klein" not in content

    page.get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en")
    english = page.get_by_role("heading", name="Progress of the consultation: Markt Grünau")
    assert english.is_visible()

    [link] = staff.ok(staff.get(f"/api/v1/engagements/{eid}/portal-links"))
    assert staff.delete(f"/api/v1/engagements/{eid}/portal-links/{link['id']}").status_code == 204
    page.goto(live.url + path + "?lang=de")
    assert page.get_by_role("heading", name="Zugang nicht gefunden").is_visible()
    page.close()
