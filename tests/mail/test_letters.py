"""Letters people are glad to get (issue 15), received by a real SMTP server and read
back by a second, independent parser: Python's `email` with the `default` policy set
to raise on every defect (plus checks of the raw header block), and the calendar part
with `vobject` (not `icalendar`, which wrote it).

What the letters must do: open with "Sehr geehrte Frau Klein," / "Sehr geehrter Herr
Klein," / "Guten Tag Petra Klein," (English: "Dear Ms Klein," / "Dear Mr Klein," /
"Dear Petra Klein,"), name the municipality with its article, give the answer link as
a plain line ("Ihre Antwort: …"), carry the funding notice in every kind of mail, a
Reply-To when FOKUS_REPLY_TO is set and none otherwise, and the calendar part as
`text/calendar; method=REQUEST; charset=UTF-8` (CANCEL for a cancellation)."""

from __future__ import annotations

import email.policy
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import vobject
from pydantic import ValidationError

from service.core.context import Context
from service.core.paths import templates_dir
from service.core.settings import Settings
from service.mail.common import common_context
from service.mail.dispatch import dispatch
from service.mail.letters import greeting, municipality_accusative
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.mail.transport import SendError, build_message
from service.workshops.models import Workshop
from tests.mail.conftest import Send, parts
from tests.support import Api, SmtpSink
from tests.web.test_browser import ARGS, CHROMIUM

FUNDING = {
    "de": "Gefördert durch das Bundesministerium für Umwelt, Klimaschutz, Naturschutz und "
    "nukleare Sicherheit aufgrund eines Beschlusses des Deutschen Bundestages im Rahmen der "
    "Nationalen Klimaschutzinitiative",
    "en": "Funded by the Federal Ministry for the Environment, Climate Action, Nature "
    "Conservation and Nuclear Safety on the basis of a decision by the German Bundestag as "
    "part of the National Climate Initiative",
}
STRICT = email.policy.default.clone(raise_on_defect=True)
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


class RawSink(SmtpSink):
    """The real SMTP sink, keeping each message's bytes as they came over the wire, so
    the second parser reads what was sent, not what the first parser made of it."""

    def __init__(self) -> None:
        super().__init__()
        from aiosmtpd.controller import Controller

        from tests.support import _Handler

        self.raw: list[bytes] = []
        inner = _Handler(self)
        sink = self

        class Keeping:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                with sink.lock:
                    sink.raw.append(bytes(envelope.content))
                return await inner.handle_DATA(server, session, envelope)

        self.controller = Controller(Keeping(), hostname="127.0.0.1", port=self.port)

    def wait_for_raw(self, count: int) -> list[bytes]:
        self.wait_for(count)
        with self.lock:
            return list(self.raw)


@pytest.fixture
def smtp_sink() -> Iterator[RawSink]:
    sink = RawSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def settings_overrides(smtp_sink: RawSink, request: pytest.FixtureRequest) -> dict[str, object]:
    """The sink, and what a test passes with `indirect=True` (e.g. FOKUS_REPLY_TO)."""
    return {"smtp_url": smtp_sink.url, **getattr(request, "param", {})}


def strict(raw: bytes) -> EmailMessage:
    """The message read by the second parser: any defect in the structure or in a header
    raises or fails here; the header block is plain ASCII with CRLF line ends and no line
    over 998 characters (RFC 5322 2.1.1), so no server has to repair it."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")
    assert b"\n" not in head.replace(b"\r\n", b""), "a bare LF in the header block"
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    message = BytesParser(policy=STRICT).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        assert not part.defects, part.defects
        for name, value in part.items():  # a header object parses its value here
            assert not getattr(value, "defects", ()), (name, value.defects)
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        assert len(message.get_all(name) or []) == 1, name
    return message


def by_recipient(raw: list[bytes]) -> dict[str, EmailMessage]:
    messages = [strict(r) for r in raw]
    return {m["To"].addresses[0].addr_spec: m for m in messages}


PEOPLE = [
    ("Petra Klein", "frau", "de", "Sehr geehrte Frau Klein,"),
    ("Jürgen Größe-Weiß", "herr", "de", "Sehr geehrter Herr Größe-Weiß,"),
    ("Zoë Ünal", None, "de", "Guten Tag Zoë Ünal,"),
    ("Jane Doe", "frau", "en", "Dear Ms Doe,"),
    ("John Smith", "herr", "en", "Dear Mr Smith,"),
    ("Alex Kim", None, "en", "Dear Alex Kim,"),
]


def test_each_letter_opens_with_the_salutation_in_the_invitees_language(
    staff: Api, send: Send, smtp_sink: RawSink
) -> None:
    eid = staff.engagement(owner="Dr. Maria Berger")["id"]
    for n, (name, salutation, language, _) in enumerate(PEOPLE):
        body: dict[str, Any] = {"name": name, "email": f"p{n}@example.org", "language": language}
        if salutation:
            body["salutation"] = salutation
        assert staff.participant(eid, **body)["salutation"] == salutation
    wid = staff.workshop(eid)["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    received = by_recipient(smtp_sink.wait_for_raw(len(PEOPLE)))

    for n, (_name, _salutation, language, opening) in enumerate(PEOPLE):
        found = parts(received[f"p{n}@example.org"])
        assert found["text"].splitlines()[0] == opening
        assert f"<p>{opening}</p>" in found["html"]
        answer = "Ihre Antwort: " if language == "de" else "Your answer: "
        assert re.search(re.escape(answer) + r"http://fokus\.example/rsvp/\S+", found["text"])
        assert "Knopf" not in found["text"] + found["html"]
        assert "button does not work" not in found["text"] + found["html"]
        # signed by the owner, above the service's name
        closing = "Mit freundlichen Grüßen" if language == "de" else "Kind regards"
        assert f"{closing}\r\nDr. Maria Berger\r\nFokusberatung Klimaschutz" in found["text"]
    german = parts(received["p0@example.org"])["text"]
    assert "für die Gemeinde Beispielstadt laden wir Sie herzlich" in german
    assert "Kommune:  Gemeinde Beispielstadt" in german


def test_a_salutation_is_corrected_with_patch_and_removed_with_null(staff: Api) -> None:
    eid = staff.engagement()["id"]
    pid = staff.participant(eid, name="Petra Klein")["id"]
    url = f"/api/v1/participants/{pid}"
    assert staff.ok(staff.patch(url, json={"salutation": "frau"}))["salutation"] == "frau"
    listed = staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))
    assert [(p["name"], p["salutation"]) for p in listed] == [("Petra Klein", "frau")]
    kept = staff.ok(staff.patch(url, json={"role": "Bürgermeisterin"}))
    assert (kept["salutation"], kept["role"], kept["name"]) == (
        "frau", "Bürgermeisterin", "Petra Klein",
    )  # fmt: skip
    assert staff.ok(staff.patch(url, json={"salutation": None}))["salutation"] is None

    wrong = staff.patch(url, json={"salutation": "divers"})
    assert wrong.status_code == 422 and "salutation" in wrong.text
    assert staff.patch(url, json={"name": None}).status_code == 422
    assert staff.patch(url, json={"title": "Dr."}).status_code == 422
    assert staff.patch("/api/v1/participants/999999", json={"salutation": "herr"}).status_code == (
        404
    )
    refused = staff.post(
        f"/api/v1/engagements/{eid}/participants",
        json={"name": "Max Muster", "email": "max@example.org", "salutation": "Herr"},
    )
    assert refused.status_code == 422 and "salutation" in refused.text


def test_greetings_and_municipalities_as_words() -> None:
    assert greeting("de", "Petra  Klein", "frau") == "Sehr geehrte Frau Klein,"
    assert greeting("de", "Klein", "herr") == "Sehr geehrter Herr Klein,"
    assert greeting("de", "", None) == "Sehr geehrte Damen und Herren,"
    assert greeting("en", "", None) == "Dear Sir or Madam,"
    assert municipality_accusative("Gemeinde Beispielstadt") == "die Gemeinde Beispielstadt"
    assert municipality_accusative("Markt Grünau") == "den Markt Grünau"
    assert municipality_accusative("Landkreis Ebersberg") == "den Landkreis Ebersberg"
    assert municipality_accusative("Amt Hüttener Berge") == "das Amt Hüttener Berge"
    assert municipality_accusative("Große Kreisstadt Freital") == "die Große Kreisstadt Freital"
    assert municipality_accusative("Beispielstadt") == "Beispielstadt"
    assert municipality_accusative("Marktoberdorf") == "Marktoberdorf"  # a name, not a kind


@pytest.mark.parametrize(
    "settings_overrides", [{"reply_to": "beratung@agentur.example"}], indirect=True
)
def test_with_fokus_reply_to_every_mail_has_that_reply_to(
    staff: Api, send: Send, smtp_sink: RawSink
) -> None:
    eid, _wid = _invited(staff)
    staff.ok(staff.fire(eid, "approve"))  # a stage notice to the participant (version 1)
    send()
    messages = [strict(r) for r in smtp_sink.wait_for_raw(2)]
    assert sorted(str(m["Subject"]).split(":")[0] for m in messages) == [
        "Einladung", "Gemeinde Beispielstadt",
    ]  # fmt: skip
    for message in messages:
        assert len(message.get_all("Reply-To") or []) == 1
        assert message["Reply-To"].addresses[0].addr_spec == "beratung@agentur.example"
        assert message["From"].addresses[0].addr_spec == "fokusberatung@agentur.example"


def test_without_fokus_reply_to_no_mail_has_a_reply_to(
    staff: Api, send: Send, smtp_sink: RawSink
) -> None:
    _invited(staff)
    send()
    (message,) = [strict(r) for r in smtp_sink.wait_for_raw(1)]
    assert message["Reply-To"] is None


def test_a_reply_to_cannot_add_a_header() -> None:
    for bad in ("a@b.example\r\nBcc: x@y.example", "a@b.example, c@d.example", "Name <a@b.ex>"):
        with pytest.raises(ValidationError):
            Settings(reply_to=bad)

    class Row:
        to_addr = "Petra Klein <petra@example.org>"
        reply_to = "team@agentur.example\r\nBcc: spy@evil.example"
        subject = "Test"
        body_text = "Text"
        body_html = "<p>Text</p>"
        ics = None
        ics_method = None
        message_id = "<t@agentur.example>"
        created_at = datetime(2026, 12, 1, tzinfo=UTC)

    with pytest.raises(SendError) as refused:
        build_message(Row(), Settings(mail_from="fokusberatung@agentur.example"))
    assert refused.value.permanent and "Reply-To" in str(refused.value)
    Row.reply_to = "Team Fokusberatung <team@agentur.example>"
    envelope = build_message(Row(), Settings(mail_from="fokusberatung@agentur.example"))
    assert strict(envelope.data)["Reply-To"].addresses[0].display_name == "Team Fokusberatung"


def _invited(staff: Api, **workshop: Any) -> tuple[int, int]:
    eid = staff.engagement()["id"]
    staff.participant(eid, name="Petra Klein", email="petra@example.org", salutation="frau")
    wid = staff.workshop(eid, **workshop)["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    return eid, wid


def _text(part: EmailMessage) -> str:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data.decode("utf-8")


def _calendar(part: EmailMessage) -> Any:
    return vobject.readOne(_text(part))


def test_the_calendar_part_is_text_calendar_method_request_and_vobject_reads_it(
    staff: Api, send: Send, smtp_sink: RawSink, ctx: Context
) -> None:
    _eid, wid = _invited(staff)
    uid = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["uid"]
    send()
    (message,) = [strict(r) for r in smtp_sink.wait_for_raw(1)]
    found = parts(message)
    for part in (found["calendar"], found["attachment"]):
        assert part.get_content_type() == "text/calendar"
        assert part.get_param("method") == "REQUEST"
        assert str(part.get_param("charset")).upper() == "UTF-8"
    assert found["attachment"].get_filename() == "einladung.ics"
    raw_types = re.findall(rb"Content-Type: text/calendar[^\r\n]*", smtp_sink.raw[0])
    assert len(raw_types) == 2
    assert all(
        t.startswith(b"Content-Type: text/calendar; method=REQUEST; charset=UTF-8")
        for t in raw_types
    )
    assert b"application/ics" not in smtp_sink.raw[0]

    calendar = _calendar(found["calendar"])
    assert calendar.method.value == "REQUEST"
    event = calendar.vevent
    assert event.uid.value == uid
    as_written = vobject.readOne(_text(found["calendar"]), transform=False).vevent
    assert as_written.dtstart.params["TZID"] == ["Europe/Berlin"]
    assert as_written.dtend.params["TZID"] == ["Europe/Berlin"]
    assert event.dtstart.value == datetime(2026, 3, 10, 17, 0, tzinfo=ctx.settings.tz)
    assert event.dtend.value == datetime(2026, 3, 10, 20, 0, tzinfo=ctx.settings.tz)
    assert event.organizer.value.lower() == "mailto:fokusberatung@agentur.example"
    assert event.organizer.params["CN"] == ["Fokusberatung Klimaschutz"]
    assert event.attendee.value.lower() == "mailto:petra@example.org"
    assert event.attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
    assert "http://fokus.example/rsvp/" in event.description.value
    assert calendar.vtimezone.tzid.value == "Europe/Berlin"
    assert _calendar(found["attachment"]).vevent.uid.value == uid

    staff.ok(staff.post(f"/api/v1/workshops/{wid}/cancel"))
    send()
    cancel = strict(smtp_sink.wait_for_raw(2)[1])
    found = parts(cancel)
    assert {found["calendar"].get_param("method"), found["attachment"].get_param("method")} == {
        "CANCEL"
    }
    calendar = _calendar(found["calendar"])
    assert (calendar.method.value, calendar.vevent.status.value) == ("CANCEL", "CANCELLED")
    assert (calendar.vevent.uid.value, calendar.vevent.sequence.value) == (uid, "1")


# what every template may ask for; a new kind of mail that needs more adds it here
SAMPLE: dict[str, Any] = {
    "recipient_name": "Petra Klein",
    "recipient_salutation": "frau",
    "owner": "Dr. Maria Berger",
    "municipality": "Markt Grünau",
    "federal_state": "BY",
    "engagement_id": 7,
    "title": "Auftaktworkshop",
    "day": "Dienstag, 10. März 2026",
    "hours": "17:00–20:00 Uhr",
    "location": "Rathaus, Sitzungssaal",
    "agenda": "1. Begrüßung\n2. Bestandsaufnahme",
    "rsvp_url": "http://fokus.example/rsvp/abc.def",
    "rsvp": "pending",
    "reason": "Der Saal ist nicht verfügbar.",
    "stage": "Workshops",
    "previous_stage": "Auftakt",
    "state": "workshops",
    "step": "start_workshops",
    "note": None,
    "process_title": "Fokusberatung Klimaschutz",
    "due_at": datetime(2026, 3, 20, tzinfo=UTC),
    "days_overdue": 3,
    "working_days_overdue": 2,
    "escalation_number": 2,
    "contact_name": "Anna Schmidt",
    "contact_email": "anna.schmidt@example.org",
    "funding_ends_at": datetime(2026, 6, 30, tzinfo=UTC),
    "days_left": 55,
    "weeks": 8,
    "for_staff": False,
    "milestone": "Verwendungsnachweis einreichen",
    "working_days_left": 4,
    "position": 1,
    "waitlisted": False,
    "portal_url": "http://fokus.example/portal/prt_abc",  # service/portal/links.py
    "valid_until": "31.03.2026",
}


def _kinds() -> list[str]:
    folder = templates_dir() / "mail" / "de"
    return sorted(p.name.removesuffix(".subject.txt") for p in folder.glob("*.subject.txt"))


def test_every_kind_of_mail_carries_the_funding_notice_and_passes_the_strict_parser(
    ctx: Context, smtp_sink: RawSink
) -> None:
    kinds = _kinds()
    assert {"invitation", "rsvp_reminder", "stage_notice", "escalation"} <= set(kinds)
    with ctx.db.write() as session:
        for kind in kinds:
            for language in ("de", "en"):
                context = {**SAMPLE, **common_context(ctx, language)}
                enqueue(
                    session,
                    ctx,
                    kind=kind,
                    to=address("Petra Klein", f"{kind}.{language}@example.org"),
                    rendered=render(kind, language, context),
                )
    dispatch(ctx)
    received = by_recipient(smtp_sink.wait_for_raw(2 * len(kinds)))
    for kind in kinds:
        for language in ("de", "en"):
            found = parts(received[f"{kind}.{language}@example.org"])
            for body in (found["text"], found["html"]):
                assert FUNDING[language] in " ".join(body.split()), (kind, language)
                assert "Knopf" not in body and "button does not work" not in body
            opening = "Sehr geehrte Frau Klein," if language == "de" else "Dear Ms Klein,"
            assert found["text"].splitlines()[0] == opening, (kind, language)
            assert "für Markt Grünau" not in found["text"], kind  # the article is there


def test_a_letter_to_the_team_addresses_the_team(ctx: Context) -> None:
    context = {**SAMPLE, **common_context(ctx, "de"), "recipient_name": "Team der Fokusberatung"}
    text = render("escalation", "de", context).text
    assert text.startswith("Liebes Team der Fokusberatung,")
    assert "Mit freundlichen Grüßen\nFokusberatung Klimaschutz\n" in text  # no owner signs
    assert "Für Rückfragen" not in text


def _rendered_invitation(ctx: Context, staff: Api, send: Send, sink: RawSink) -> dict[str, str]:
    """The German and the English invitation's HTML parts, as received."""
    eid = staff.engagement(owner="Dr. Maria Berger")["id"]
    staff.participant(eid, name="Petra Klein", email="petra@example.org", salutation="frau")
    staff.participant(
        eid, name="Jane Doe", email="jane@example.org", salutation="frau", language="en"
    )
    wid = staff.workshop(eid, title="Auftaktworkshop mit den lokalen Akteuren")["id"]
    with ctx.db.write() as session:
        workshop = session.get(Workshop, wid)
        assert workshop is not None
        workshop.agenda = (
            "1. Begrüßung durch die Bürgermeisterin\n2. Ergebnisse der Bestandsaufnahme\n"
            "3. Handlungsfelder und erste Maßnahmen"
        )
        session.add(workshop)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    received = by_recipient(sink.wait_for_raw(2))
    return {
        "de": parts(received["petra@example.org"])["html"],
        "en": parts(received["jane@example.org"])["html"],
    }


@pytest.mark.browser
@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "settings_overrides", [{"base_url": "https://fokus.agentur.example"}], indirect=True
)
def test_the_invitation_reads_as_a_letter_in_chromium(
    ctx: Context, staff: Api, send: Send, smtp_sink: RawSink
) -> None:
    """The HTML part as a mail program shows it; with FOKUS_SCREENSHOTS=1 it becomes
    docs/images/invitation.png (German) and invitation-en.png (English). Chromium starts
    after the mail is sent: Playwright's sync API holds an event loop that the
    dispatcher's own asyncio.run may not run inside."""
    html = _rendered_invitation(ctx, staff, send, smtp_sink)
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    expected = {
        "de": ("Sehr geehrte Frau Klein,", "Tagesordnung", "Ihre Antwort:"),
        "en": ("Dear Ms Doe,", "Agenda", "Your answer:"),
    }
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = chromium.new_page(viewport={"width": 680, "height": 900})
        for language, name in (("de", "invitation.png"), ("en", "invitation-en.png")):
            page.set_content(html[language])
            shown = " ".join(page.inner_text("body").split())
            for words in (*expected[language], FUNDING[language], "Dr. Maria Berger"):
                assert words in shown, (language, words)
            # the button and the plain line lead to the same personal address
            links = page.eval_on_selector_all("a[href*='/rsvp/']", "a => a.map(x => x.href)")
            assert len(links) == 2 and len(set(links)) == 1
            if os.environ.get("FOKUS_SCREENSHOTS") == "1":
                IMAGES.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(IMAGES / name), full_page=True)
        chromium.close()


def test_the_answer_reminder_keeps_the_salutation_and_the_owners_signature(
    staff: Api, send: Send, smtp_sink: RawSink
) -> None:
    eid = staff.engagement(owner="Dr. Maria Berger")["id"]
    staff.participant(eid, name="Jürgen Größe-Weiß", email="j@example.org", salutation="herr")
    wid = staff.workshop(eid, starts_at="2026-03-20T17:00:00", ends_at="2026-03-20T20:00:00")["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/reminders"))["reminded"] == 1
    send()
    messages = [strict(r) for r in smtp_sink.wait_for_raw(2)]
    (reminder,) = [m for m in messages if str(m["Subject"]).startswith("Erinnerung")]
    text = parts(reminder)["text"]
    assert text.splitlines()[0] == "Sehr geehrter Herr Größe-Weiß,"
    assert "Mit freundlichen Grüßen\r\nDr. Maria Berger\r\n" in text
    assert FUNDING["de"] in " ".join(text.split())
