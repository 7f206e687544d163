"""Must show 1: the dashboard in a real browser (Debian's Chromium through Playwright).

Staff log in, find the overdue engagement first, open it, advance a stage with a
note and see it in the history, add a participant, invite them to a workshop; the
stakeholder answers on the RSVP page (phone-sized, no login); the count changes; a
supervisor sees the engagement but cannot advance it. (The README's pictures come from
tests/web/test_browser_walkthrough.py.)

Skipped, with the reason printed, where Chromium is missing or will not start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.mail.models import OutboxMessage
from tests.support import Api, LiveServer, mail_text
from tests.web.conftest import key_of

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

CHROMIUM = os.environ.get("FOKUS_CHROMIUM", "/usr/bin/chromium")  # override: tests of the skip
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (make test installs it with apt-get where it may)"
        print(f"\nbrowser tests skipped: {reason}")
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        pytest.skip(f"playwright is not installed: {exc}")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    except Exception as exc:
        playwright.stop()
        reason = f"Chromium at {CHROMIUM} did not start: {str(exc).splitlines()[0]}"
        print(f"\nbrowser tests skipped: {reason}")
        pytest.skip(reason)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def live(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


def _rsvp_link(ctx: Context, live: LiveServer) -> str:
    """The personal link from the invitation email, as the stakeholder would click it."""
    with ctx.db.read() as session:
        row = session.execute(
            select(OutboxMessage).where(col(OutboxMessage.kind) == "invitation")
        ).scalar_one()
        body = mail_text(row, ctx.settings.tz)
    match = re.search(r"/rsvp/[A-Za-z0-9_.\-]+", body)
    assert match, body
    return live.url + match.group(0)


def test_staff_walk_rsvp_and_supervisor(
    browser: Any, live: LiveServer, ctx: Context, staff: Api, supervisor: Api, clock: Any
) -> None:
    late = staff.engagement(municipality="Gemeinde Spätdorf", owner="Lena Vogel")
    clock.advance(timedelta(days=40))  # its 20 working days have run out
    for name, state, owner, steps in (
        ("Stadt Musterhausen", "NW", "Jonas Becker", ["approve"]),
        ("Landkreis Sonnental", "SN", "Lena Vogel", []),
        ("Markt Grünau", "NI", None, ["approve"]),
        ("Gemeinde Seeblick", "SH", "Jonas Becker", ["reject"]),
    ):
        eid = staff.engagement(municipality=name, federal_state=state, owner=owner)["id"]
        for trigger in steps:
            staff.ok(staff.fire(eid, trigger))

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page.goto(live.url + "/")
    assert page.url.endswith("/login")
    page.get_by_label("API-Schlüssel").fill(key_of(staff))
    page.get_by_role("button", name="Mit Schlüssel anmelden").click()
    page.wait_for_url(live.url + "/")

    first = page.locator("table.engagements tbody tr").first
    assert "Gemeinde Spätdorf" in first.inner_text()
    assert "überfällig" in first.inner_text()

    first.get_by_role("link", name="Gemeinde Spätdorf").click()
    page.wait_for_url(re.compile(rf"/engagements/{late['id']}$"))
    assert page.locator("svg.diagram .stage.current").get_attribute("data-stage") == "application"

    page.get_by_label("Notiz (optional)").fill("Bewilligungsbescheid vom Projektträger liegt vor")
    page.get_by_role("button", name="Bewilligen").click()
    page.wait_for_url(re.compile(r"msg=transition"))
    assert "Phase geändert" in page.get_by_role("status").inner_text()
    history = page.locator("#history li").first.inner_text()
    assert "Bewilligen" in history
    assert "Bewilligungsbescheid vom Projektträger liegt vor" in history
    assert "Lena Vogel" in history
    assert page.locator("svg.diagram .stage.current").get_attribute("data-stage") == "onboarding"

    page.get_by_label("Name", exact=True).fill("Petra Klein")
    page.get_by_label("E-Mail", exact=True).fill("petra.klein@stadtwerke.example")
    page.get_by_label("Organisation").fill("Stadtwerke Spätdorf")
    page.get_by_role("button", name="Hinzufügen").click()
    page.wait_for_url(re.compile(r"msg=participant"))
    assert "Petra Klein" in page.locator("#participants table").inner_text()

    section = page.locator("#workshops")
    section.locator("summary").click()
    section.get_by_label("Titel", exact=True).fill("Auftaktworkshop Klimaschutz")
    section.get_by_label("Beginn", exact=True).fill("2026-05-12T17:00")
    section.get_by_label("Ende", exact=True).fill("2026-05-12T20:00")
    section.get_by_label("Ort", exact=True).fill("Rathaus, Sitzungssaal")
    section.get_by_role("button", name="Workshop anlegen").click()
    page.wait_for_url(re.compile(r"msg=workshop"))
    workshop = page.locator("ul.workshops > li").first
    assert "offen: 0" in workshop.inner_text()
    workshop.get_by_role("button", name="Alle Teilnehmenden einladen").click()
    page.wait_for_url(re.compile(r"msg=invited"))
    assert "Einladungen verschickt: 1" in page.get_by_role("status").inner_text()
    workshop = page.locator("ul.workshops > li").first
    assert "offen: 1" in workshop.inner_text()
    assert "zugesagt: 0" in workshop.inner_text()
    assert "wartet" in page.locator("#messages").inner_text()  # the invitation, queued

    # the stakeholder: no login, a phone-sized screen, the link from the email
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    rsvp = phone.new_page()
    rsvp.goto(_rsvp_link(ctx, live))
    assert "Auftaktworkshop Klimaschutz" in rsvp.get_by_role("heading", level=1).inner_text()
    assert rsvp.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    rsvp.get_by_role("button", name="Ich nehme teil").click()
    assert "Sie nehmen teil" in rsvp.locator(".alert").inner_text()
    phone.close()

    page.reload()
    workshop = page.locator("ul.workshops > li").first
    assert "zugesagt: 1" in workshop.inner_text()
    assert "offen: 0" in workshop.inner_text()
    # every visible form control has a label, and there is exactly one h1
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(el => el.labels.length === 0).map(el => el.outerHTML)"""
    )
    assert unlabelled == []
    assert page.locator("h1").count() == 1
    page.close()

    # a supervisor sees it all but has no way to advance it, and a forged post fails
    watcher = browser.new_context(viewport={"width": 1280, "height": 900})
    view = watcher.new_page()
    view.goto(live.url + "/login")
    view.get_by_label("API-Schlüssel").fill(key_of(supervisor))
    view.get_by_role("button", name="Mit Schlüssel anmelden").click()
    view.wait_for_url(live.url + "/")
    view.get_by_role("link", name="Gemeinde Spätdorf").click()
    assert "Sabine Supervisor" in view.locator("header").inner_text()
    assert view.locator("button[name=trigger]").count() == 0
    assert "nicht ändern" in view.locator("main").inner_text()
    token = view.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = view.request.post(
        f"{live.url}/engagements/{late['id']}/transition",
        form={"csrf_token": token or "", "trigger": "start_workshops"},
    )
    assert refused.status == 403
    watcher.close()
    assert staff.ok(staff.get(f"/api/v1/engagements/{late['id']}"))["state"] == "onboarding"


def test_essential_actions_work_without_javascript(
    browser: Any, live: LiveServer, staff: Api
) -> None:
    eid = staff.engagement()["id"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live.url + "/login?lang=en")
    page.get_by_label("API key").fill(key_of(staff))
    page.get_by_role("button", name="Sign in with the key").click()
    page.goto(f"{live.url}/engagements/{eid}")
    page.get_by_label("Note (optional)").fill("without JavaScript")
    page.get_by_role("button", name="Approve").click()
    assert "Stage changed." in page.get_by_role("status").inner_text()
    assert "without JavaScript" in page.locator("#history").inner_text()
    context.close()
