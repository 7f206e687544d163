"""The RSVP page on a phone in Chromium (issue 15): a workshop with two places taken
and an agenda; the invitee says yes and reads "Warteliste, Platz 1", downloads the
calendar entry (the invitation's UID), sees whom to contact and the privacy and imprint
links. With FOKUS_SCREENSHOTS=1 it writes docs/images/rsvp-waitlist.png (this suite is
that image's one writer; docs/images/rsvp.png is the walk-through's)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest
from sqlalchemy import select
from sqlmodel import col

from service.app import create_app
from service.auth.keys import Role, create_key
from service.core.clock import MovableClock
from service.core.context import Context
from service.core.migrate import upgrade
from service.core.settings import Settings
from service.mail.models import OutboxMessage
from tests.conftest import START
from tests.support import Api, LiveServer, mail_text
from tests.web.pages.site import browser

pytestmark = [pytest.mark.browser]
__all__ = ["browser"]

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SHOTS = os.environ.get("FOKUS_SCREENSHOTS") == "1"
AGENDA = (
    "17:00 Begrüßung durch Bürgermeisterin Lehmann\n"
    "17:20 Wo steht Grünau beim Klimaschutz?\n"
    "18:00 Ideen sammeln in drei Tischgruppen\n"
    "19:30 Nächste Schritte"
)


class Server:
    def __init__(self, url: str, ctx: Context, api: Api) -> None:
        self.url, self.ctx, self.api = url, ctx, api


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on its own SQLite database with privacy, imprint and Reply-To set."""
    folder = tmp_path_factory.mktemp("rsvp-browser")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'fokus.db'}",
        var_dir=folder / "var",
        secret_key="test-secret",
        base_url="http://fokus.example",
        mail_from="fokusberatung@agentur.example",
        reply_to="team@agentur.example",
        privacy_url="https://agentur.example/datenschutz",
        imprint_url="https://agentur.example/impressum",
    )
    from workflows.registry import default_registry

    ctx = Context.from_settings(settings, clock=MovableClock(START), registry=default_registry())
    upgrade(ctx.db)
    with ctx.db.write() as session:
        _row, key = create_key(session, ctx.clock, name="Lena Vogel", role=Role.staff)
    live = LiveServer(create_app(ctx)).start()
    http = httpx.Client(base_url=live.url)
    try:
        yield Server(live.url, ctx, Api(http, key))
    finally:
        http.close()
        live.stop()
        ctx.db.dispose()


def _invitation(ctx: Context, email: str) -> tuple[str, bytes]:
    """The RSVP path and the .ics of the invitation mailed to `email`."""
    with ctx.db.read() as session:
        row = session.execute(
            select(OutboxMessage).where(
                col(OutboxMessage.kind) == "invitation", col(OutboxMessage.to_addr).contains(email)
            )
        ).scalar_one()
        text, ics = mail_text(row, ctx.settings.tz), row.ics
    match = re.search(r"/rsvp/[A-Za-z0-9_.\-]+", text)
    assert match and ics
    return match.group(0), bytes(ics)


def test_the_invitee_on_a_phone_sees_the_waiting_list_and_takes_the_calendar_entry(
    server: Server, browser: Any, tmp_path: Path
) -> None:
    api = server.api
    eid = api.created(
        api.post(
            "/api/v1/engagements",
            json={
                "municipality": "Markt Grünau",
                "applicant_type": "municipality",
                "federal_state": "BY",
                "contact_name": "Anna Schmidt",
                "contact_email": "anna.schmidt@gruenau.example",
                "process_version": 1,
            },
        )
    )["id"]
    people = [("Petra Klein", "petra"), ("Jonas Becker", "jonas"), ("Erika Sommer", "erika")]
    for name, who in people:
        api.created(
            api.post(
                f"/api/v1/engagements/{eid}/participants",
                json={"name": name, "email": f"{who}@gruenau.example"},
            )
        )
    workshop = api.created(
        api.post(
            f"/api/v1/engagements/{eid}/workshops",
            json={
                "title": "Auftaktworkshop Klimaschutz",
                "starts_at": "2026-03-10T17:00:00",
                "ends_at": "2026-03-10T20:00:00",
                "location": "Rathaus Grünau, Sitzungssaal",
                "agenda": AGENDA,
                "capacity": 2,
            },
        )
    )
    api.ok(api.post(f"/api/v1/workshops/{workshop['id']}/invitations"), 202)
    for who in ("petra", "jonas"):
        path, _ics = _invitation(server.ctx, f"{who}@gruenau.example")
        answered = httpx.post(server.url + path, json={"response": "accepted"})
        assert answered.json() == {"rsvp": "accepted"}
    path, mailed_ics = _invitation(server.ctx, "erika@gruenau.example")

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="de-DE", accept_downloads=True
    )
    try:
        page = phone.new_page()
        page.goto(server.url + path)
        assert (
            page.locator(".rsvp-status").inner_text() == "offen – Sie haben noch nicht geantwortet"
        )
        assert "Ideen sammeln in drei Tischgruppen" in page.locator("p.agenda").inner_text()
        with page.expect_navigation():
            page.locator("button[name=response][value=accepted]").click()
        assert page.locator(".rsvp-status").inner_text() == "Warteliste, Platz 1"
        assert "Warteliste, Platz 1" in page.locator(".alert.success").inner_text()
        contact = page.locator(".rsvp-contact")
        assert "team@agentur.example" in contact.inner_text()
        assert page.get_by_role("link", name="Datenschutzerklärung").get_attribute("href") == (
            "https://agentur.example/datenschutz"
        )
        assert page.get_by_role("link", name="Impressum").count() == 1
        # no sideways scrolling on the phone
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if SHOTS:
            IMAGES.mkdir(parents=True, exist_ok=True)
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.screenshot(path=str(IMAGES / "rsvp-waitlist.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_role("link", name="In den Kalender übernehmen (.ics)").click()
        download = download_info.value
        assert download.suggested_filename == "einladung.ics"
        saved = tmp_path / "einladung.ics"
        download.save_as(str(saved))
    finally:
        phone.close()
    offered = next(iter(icalendar.Calendar.from_ical(saved.read_bytes()).walk("VEVENT")))
    mailed = next(iter(icalendar.Calendar.from_ical(mailed_ics).walk("VEVENT")))
    assert str(offered["UID"]) == str(mailed["UID"]) == workshop["uid"]
    assert "Ideen sammeln in drei Tischgruppen" in str(offered["DESCRIPTION"])
