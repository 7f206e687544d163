"""Issue 12, must show 4: the README's walk-through of a Fokusberatung (version 2), from
the application to the proof of use, done in Chromium alone: the engagement is created
with the application form (/engagements/new) and every step after it is a form on the
engagement page; the invitee answers on the RSVP page on a phone. Not one API call: the
only things the test does besides clicking are moving the clock (the workshop has to be
over) and reading the invitation's link out of the outbox (the email the invitee gets).

Each step the process refuses is seen refused first, with its German reason, then done.
With FOKUS_SCREENSHOTS=1 the walk refreshes the README's images in docs/images/
(`make test` leaves the tree clean).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from service.mail.models import OutboxMessage
from tests.support import mail_text
from tests.web.pages.site import Site, browser, serve, site

pytestmark = [pytest.mark.browser]
__all__ = ["browser", "site"]  # the module fixtures this suite uses

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SHOTS = os.environ.get("FOKUS_SCREENSHOTS") == "1"
MEASURES = [
    ("LED-Straßenbeleuchtung", "street_lighting"),
    ("Energiemanagement", "municipal_buildings"),
    ("Radverkehrskonzept", "mobility"),
    ("PV auf Schulen", "energy_supply"),
    ("Wärmeplanung", "heat"),
]


class Officer:
    """A programme officer at the engagement page: fills and sends its forms, and checks
    after each that the page shows no refusal."""

    def __init__(self, page: Any, site: Site) -> None:
        self.page = page
        self.site = site

    def log_in(self) -> None:
        """The login form, from wherever the session ran out; back to that page after."""
        assert "/login" in self.page.url, self.page.url
        self.page.fill("#api_key", self.site.keys["staff"])
        with self.page.expect_navigation():
            self.page.locator("#key-login button[type=submit]").click()

    def send(self, form: str) -> None:
        """Sends `form` with its submit button and waits for the answer page."""
        with self.page.expect_navigation() as answer:
            self.page.locator(f"{form} button[type=submit]").last.click()
        status = answer.value.status if answer.value is not None else 0
        assert status < 400, (status, self.page.locator("body").inner_text()[:1000])
        errors = self.page.locator(".alert.error, [role=alert]")
        assert errors.count() == 0, errors.first.inner_text()

    def open_details(self, selector: str) -> None:
        details = self.page.locator(selector)
        if details.get_attribute("open") is None:
            details.locator("summary").first.click()

    def refused(self, trigger: str, reason: str) -> None:
        """The step is not offered and the page says why, in German."""
        assert self.page.locator(f"button[name=trigger][value={trigger}]").count() == 0
        assert self.page.locator(f"#confirm-{trigger}").count() == 0
        assert reason in self.page.locator("ul.refused").inner_text()

    def fire(self, trigger: str, stage: str, note: str | None = None) -> None:
        """Presses the step's button (a step with a confirmation: opens it, gives the
        note and confirms) and checks the stage the engagement is in afterwards."""
        confirm = self.page.locator(f"#confirm-{trigger}")
        button = self.page.locator(f"button[name=trigger][value={trigger}]")
        assert confirm.count() + button.count() == 1, self.page.locator("main").inner_text()[:3000]
        if confirm.count():
            confirm.locator("summary").click()
            if note is not None:
                confirm.locator("textarea").fill(note)
            self.send(f"#confirm-{trigger} form")
        else:
            if note is not None:
                self.page.fill("#note", note)
            with self.page.expect_navigation():
                button.click()
        current = self.page.locator("svg.diagram .stage.current").get_attribute("data-stage")
        assert current == stage, self.page.locator("main").inner_text()[:2000]

    def record(self, kind: str, day: str) -> None:
        self.open_details("#record-form-details")
        self.page.select_option("#record_kind", kind)
        self.page.fill("#record_date", day)
        self.send("#record-form")
        assert self.page.locator(f"tr[data-record={kind}]").count() == 1


def _rsvp_path(site: Site) -> str:
    """The link in the invitation email, as the invitee clicks it."""
    with site.ctx.db.read() as session:
        row = session.execute(
            select(OutboxMessage).where(col(OutboxMessage.kind) == "invitation")
        ).scalar_one()
        body = mail_text(row, site.ctx.settings.tz)
    match = re.search(r"/rsvp/[A-Za-z0-9_.\-]+", body)
    assert match, body
    return match.group(0)


def _shot(page: Any, name: str, height: int | None = None) -> None:
    """With FOKUS_SCREENSHOTS=1: the page (its top `height` pixels, if given) as
    docs/images/`name`."""
    if not SHOTS:
        return
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
    if height is None:
        page.screenshot(path=str(IMAGES / name), full_page=True)
    else:
        width = page.viewport_size["width"]
        clip = {"x": 0, "y": 0, "width": width, "height": height}
        page.screenshot(path=str(IMAGES / name), full_page=True, clip=clip)


def test_a_fokusberatung_from_application_to_proof_of_use_in_the_browser_alone(
    browser: Any, tmp_path: Path
) -> None:
    with serve(tmp_path) as site:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
        page = context.new_page()
        page.set_default_timeout(15_000)
        officer = Officer(page, site)

        page.goto(site.url + "/")
        officer.log_in()

        # the application: Fokusberatung, KRL in force today, Einstiegsberatung
        page.locator("a[href='/engagements/new']").first.click()
        page.wait_for_url(re.compile(r"/engagements/new"))
        page.fill("#municipality", "Markt Grünau")
        page.select_option("#applicant_type", "municipality")
        page.select_option("#federal_state", "BY")
        page.fill("#contact_name", "Anna Schmidt")
        page.fill("#contact_email", "anna.schmidt@example.org")
        _shot(page, "application.png")
        officer.send("#application")
        assert re.search(r"/engagements/\d+", page.url), page.url
        assert page.locator("h1").inner_text() == "Markt Grünau"

        # approve needs the grant notice
        officer.refused("approve", "Zuwendungsbescheid")
        officer.open_details("#grant-form-details")
        for field, value in [
            ("#funding_reference", "67K12345"),
            ("#notice_date", "2026-03-02"),
            ("#period_start", "2026-03-02"),
            ("#period_end", "2027-08-31"),
            ("#eligible_costs", "30.000"),
            ("#grant_amount", "19.500"),
            ("#funding_rate_percent", "65"),
        ]:
            page.fill(field, value)
        officer.send("#grant-form")
        assert "67K12345" in page.locator("#grant").inner_text()
        officer.fire("approve", "contracting")
        assert "31.08.2027" in page.locator("#details").inner_text()  # the funding period

        officer.record("consultant_contract", "2026-03-03")
        officer.fire("start_onboarding", "onboarding")

        officer.record("stocktaking", "2026-03-04")
        page.fill("#p-name", "Petra Klein")
        page.fill("#p-email", "petra.klein@example.org")
        page.fill("#p-org", "Stadtwerke Grünau")
        officer.send("form[action$='/participants']")
        assert "Petra Klein" in page.locator("#participants").inner_text()
        officer.fire("start_workshops", "workshops")

        # a workshop inside the funding period, the invitation and the answer
        officer.open_details("#workshops details:has(#w-title)")
        page.fill("#w-title", "Auftaktworkshop")
        page.fill("#w-start", "2026-03-05T17:00")
        page.fill("#w-end", "2026-03-05T20:00")
        page.fill("#w-loc", "Rathaus, Sitzungssaal")
        officer.send("form[action$='/workshops']")
        officer.send("#workshops form[action$='/invitations']")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
        invitee = phone.new_page()
        invitee.goto(site.url + _rsvp_path(site))
        assert "Auftaktworkshop" in invitee.locator("h1").inner_text()
        with invitee.expect_navigation():
            invitee.locator("button[name=response][value=accepted]").click()
        assert invitee.locator(".alert").count() == 1
        _shot(invitee, "rsvp.png")
        phone.close()
        page.reload()
        assert "Petra Klein" in page.locator("#workshops").inner_text()

        officer.refused("draft_vision", "Workshop")
        site.clock.advance(timedelta(days=7))  # the workshop is over; so is the session
        engagement = page.url.split("?")[0].split("#")[0]
        page.reload()
        officer.log_in()
        page.goto(engagement)
        officer.fire("draft_vision", "guiding_vision")

        for title, area in MEASURES:
            page.fill("#m-title", title)
            page.select_option("#m-area", area)
            officer.send("form[action$='/measures']")
        officer.fire("adopt_vision", "resolution")

        officer.refused("record_resolution", "Beschluss")
        officer.fire(
            "skip_resolution", "implementation", note="Der Gemeinderat tagt erst im Herbst."
        )

        first = page.locator("#measures form[action$='/measures/update']").first
        first.locator("select[name=status]").select_option("in_progress")
        with page.expect_navigation():
            first.locator("button[type=submit]").click()
        for day, days, mode in [("2026-03-04", "4", "on_site"), ("2026-03-05", "4", "desk")]:
            officer.open_details("#consulting-form-details")
            page.fill("#day_date", day)
            page.fill("#days", days)
            page.check(f"#consulting-form input[name=mode][value={mode}]")
            page.fill("#consultant", "Jan Berater")
            page.fill("#activity", "Bestandsaufnahme vor Ort")
            officer.send("#consulting-form")
        assert "8" in page.locator("#consulting-used").inner_text()
        officer.fire("finish_consulting", "reporting")

        officer.refused("submit_proof", "Verwendungsnachweis")
        officer.record("proof_of_use", "2026-11-30")
        officer.fire("submit_proof", "completed")

        # a completed engagement is read-only (the one form left starts its follow-up, a
        # new engagement), and its history tells the whole story
        forms = page.locator("main form[method=post]")
        actions = [forms.nth(i).get_attribute("action") or "" for i in range(forms.count())]
        assert len(actions) == 1 and actions[0].endswith("/follow-up"), actions
        history = page.locator("#history").inner_text()
        assert "Der Gemeinderat tagt erst im Herbst." in history
        assert "Lena Vogel" in history
        _shot(page, "engagement.png", height=1800)

        page.goto(site.url + "/")
        assert "Markt Grünau" in page.locator("table.engagements").inner_text()
        context.close()


def test_the_overview_shows_the_overdue_first(browser: Any, site: Site) -> None:
    """The README's picture of the overview: engagements in every stage (seeded through
    the API, tests/web/pages/site.py), the overdue ones first."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(site.url + "/login")
    Officer(page, site).log_in()
    first = page.locator("table.engagements tbody tr").first
    assert "überfällig" in first.inner_text()
    _shot(page, "overview.png", height=1400)
    context.close()
