"""The "Sie sind nachgerückt" letter (issue 15) read by the second parsers, as the other
letters are in tests/mail/test_letters.py: the bytes from the wire through Python's
`email` with strict headers, the calendar entry through `vobject`; German with the
salutation, the municipality with its article, the funding notice, and the English one."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import vobject

from tests.mail.conftest import Send
from tests.mail.test_letters import RawSink, strict
from tests.support import Api


@pytest.fixture
def smtp_sink() -> Iterator[RawSink]:
    sink = RawSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def settings_overrides(smtp_sink: RawSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url, "reply_to": "team@agentur.example"}


def _parts(message: EmailMessage) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_maintype() == "multipart" or part.get_filename():
            continue
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        found[part.get_content_type()] = data.decode("utf-8")
    return found


def _promoted(staff: Api, send: Send, sink: RawSink, language: str | None) -> EmailMessage:
    """Two invitees, one place: the first declines after both said yes; the second's
    mail, read strictly."""
    eid = staff.engagement(municipality="Gemeinde Beispielstadt")["id"]
    staff.participant(eid, name="Petra Klein", email="petra@example.org")
    extra = {"language": language} if language else {}
    staff.participant(
        eid, name="Jonas Becker", email="jonas@example.org", salutation="herr", **extra
    )
    wid = staff.workshop(eid, capacity=1, agenda="1. Begrüßung\n2. Ideen sammeln")["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    links = {}
    for raw in sink.wait_for_raw(2):
        message = strict(raw)
        text = _parts(message)["text/plain"]
        start = text.index("/rsvp/")
        links[str(message["To"].addresses[0].addr_spec)] = text[start:].split()[0]
    for address in ("petra@example.org", "jonas@example.org"):
        staff.client.post(links[address], json={"response": "accepted"})
    staff.client.post(links["petra@example.org"], json={"response": "declined"})
    send()
    message = strict(sink.wait_for_raw(3)[2])
    assert str(message["To"].addresses[0].addr_spec) == "jonas@example.org"
    assert str(message["Reply-To"]) == "team@agentur.example"
    return message


def test_the_german_letter_reads_strictly_with_its_calendar_entry(
    staff: Api, send: Send, smtp_sink: RawSink
) -> None:
    message = _promoted(staff, send, smtp_sink, None)
    assert str(message["Subject"]) == (
        "Sie sind nachgerückt: Auftaktworkshop am Dienstag, 10. März 2026 (Gemeinde Beispielstadt)"
    )
    found = _parts(message)
    text = found["text/plain"]
    assert text.startswith("Sehr geehrter Herr Becker,")
    assert "für die Gemeinde Beispielstadt angemeldet" in text
    assert "Sie sind nachgerückt, und Ihre Teilnahme ist jetzt bestätigt." in text
    assert "Ideen sammeln" in text
    assert "Nationalen Klimaschutzinitiative" in text  # the funding notice
    assert "<strong>Sie sind nachgerückt</strong>" in found["text/html"]
    calendar = vobject.readOne(found["text/calendar"])
    assert calendar.method.value == "REQUEST"
    assert calendar.vevent.summary.value == "Auftaktworkshop (Gemeinde Beispielstadt)"
    assert "Ideen sammeln" in calendar.vevent.description.value


def test_the_english_letter(staff: Api, send: Send, smtp_sink: RawSink) -> None:
    message = _promoted(staff, send, smtp_sink, "en")
    assert str(message["Subject"]).startswith("A place is free for you: Auftaktworkshop on ")
    text = _parts(message)["text/plain"]
    assert text.startswith("Dear Mr Becker,")
    assert "you have moved up, and your participation is now confirmed" in text
