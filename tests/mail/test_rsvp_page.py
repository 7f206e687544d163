"""What the RSVP page offers besides the two buttons (issue 15): the workshop as a
calendar entry with the invitation's UID, the agenda, whom to contact, privacy and
imprint links where they are configured, and where one stands (offen, zugesagt,
Warteliste with the place, abgesagt), in the invitee's language."""

from __future__ import annotations

import re

import icalendar
import pytest
from fastapi.testclient import TestClient

from tests.mail.conftest import Send, calendar_of, rsvp_path, setup_workshop
from tests.support import Api, SmtpSink

AGENDA = "1. Begrüßung durch den Bürgermeister\n2. Ideen für Wärme & Verkehr <sammeln>"


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink, request: pytest.FixtureRequest) -> dict[str, object]:
    """The links and FOKUS_REPLY_TO set, except for a test that takes `plain`."""
    if "plain" in request.fixturenames:
        return {"smtp_url": smtp_sink.url}
    return {
        "smtp_url": smtp_sink.url,
        "privacy_url": "https://beratung.example/datenschutz",
        "imprint_url": "https://beratung.example/impressum",
        "reply_to": "team@beratung.example",
    }


def _status(page: str) -> str:
    match = re.search(r'class="rsvp-status" data-rsvp="(\w+)"><strong>([^<]*)</strong>', page)
    assert match, "no status on the page"
    return match.group(2)


def test_the_page_offers_calendar_agenda_contact_and_legal_links(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=1, agenda=AGENDA)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    [invitation] = smtp_sink.wait_for(1)
    path = rsvp_path(invitation)
    page = client.get(path)
    assert page.status_code == 200
    html = page.text
    assert _status(html) == "offen – Sie haben noch nicht geantwortet"
    # the agenda, escaped, line by line
    assert "<h2>Tagesordnung</h2>" in html
    assert (
        "1. Begrüßung durch den Bürgermeister<br>2. Ideen für Wärme &amp; Verkehr &lt;sammeln&gt;"
        in html
    )
    # contact: no owner yet, so the consultancy at FOKUS_REPLY_TO
    assert 'href="mailto:team@beratung.example"' in html
    assert '<a href="https://beratung.example/datenschutz">Datenschutzerklärung</a>' in html
    assert '<a href="https://beratung.example/impressum">Impressum</a>' in html
    # the calendar entry: the invitation's UID and SEQUENCE
    assert f'href="{path}/einladung.ics"' in html
    download = client.get(f"{path}/einladung.ics")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/calendar")
    assert 'filename="einladung.ics"' in download.headers["content-disposition"]
    mailed = next(iter(calendar_of(invitation).walk("VEVENT")))
    offered = next(iter(icalendar.Calendar.from_ical(download.content).walk("VEVENT")))
    assert str(offered["UID"]) == str(mailed["UID"])
    assert str(offered["SEQUENCE"]) == str(mailed["SEQUENCE"]) == "0"
    assert "Ideen für Wärme & Verkehr" in str(offered["DESCRIPTION"])
    # a link that leads nowhere has no calendar either
    assert client.get("/rsvp/kaputt/einladung.ics").status_code == 404

    # after a cancellation the download says so (METHOD:CANCEL, next SEQUENCE)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/cancel"))
    cancelled = icalendar.Calendar.from_ical(client.get(f"{path}/einladung.ics").content)
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(next(iter(cancelled.walk("VEVENT")))["SEQUENCE"]) == "1"


def test_where_one_stands_in_german_and_english(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=1, capacity=1)
    staff.participant(eid, name="Jane Doe", email="jane@example.org", language="en")
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    links = {str(m["To"].addresses[0].addr_spec): rsvp_path(m) for m in smtp_sink.wait_for(2)}
    german, english = links[f"person0.{eid}@example.org"], links["jane@example.org"]

    accepted = client.post(german, data={"response": "accepted"})
    assert _status(accepted.text) == "zugesagt"
    waiting = client.post(english, data={"response": "accepted"})
    assert waiting.status_code == 200
    assert '<html lang="en">' in waiting.text
    assert _status(waiting.text) == "waiting list, place 1"
    assert "you are on the waiting list, place 1" in waiting.text
    declined = client.post(german, data={"response": "declined"})
    assert _status(declined.text) == "abgesagt"
    assert _status(client.get(english).text) == "accepted"  # moved up


@pytest.mark.parametrize("plain", [True])
def test_without_the_settings_no_legal_links_and_the_sender_as_contact(
    staff: Api, send: Send, smtp_sink: SmtpSink, client: TestClient, plain: bool
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=1)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    html = client.get(rsvp_path(smtp_sink.wait_for(1)[0])).text
    assert "Datenschutzerklärung" not in html and "Impressum" not in html
    assert "Tagesordnung" not in html  # no agenda given
    assert 'href="mailto:fokusberatung@agentur.example"' in html  # FOKUS_MAIL_FROM
