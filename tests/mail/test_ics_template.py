"""The .ics of a workshop version is built once and only each invitee's lines are written
per invitee (issue 16): the bytes must be exactly those of a whole build for that
invitee, for awkward names, addresses and descriptions (folding inside multi-byte
characters, escapes at a fold, no URL in a cancellation)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.mail import deferred
from service.mail import render as render_module
from service.mail.ics import CalendarEntry, CalendarTemplate, build_ics
from tests.mail.conftest import Send, parts, rsvp_path, setup_workshop
from tests.support import Api, SmtpSink

BERLIN = ZoneInfo("Europe/Berlin")
ENTRY = CalendarEntry(
    uid="workshop-0b6e@agentur.example",
    sequence=3,
    title="Auftaktworkshop (Gemeinde Beispielstadt)",
    starts_at=datetime(2030, 5, 7, 15, 0, tzinfo=UTC),
    ends_at=datetime(2030, 5, 7, 18, 0, tzinfo=UTC),
    location="Rathaus, Sitzungssaal; 1. OG",
    organizer_name="Fokusberatung Klimaschutz",
    organizer_email="fokusberatung@agentur.example",
    attendee_name="",
    attendee_email="",
    description="",
    url="",
    stamp=datetime(2026, 12, 1, 20, 0, tzinfo=UTC),
)
LINK = "http://127.0.0.1:8000/rsvp/"
INVITEES = [
    ("Jürgen Größe-Weiß", "person0.1@example.org",
     "Auftaktworkshop – Gemeinde\n\nBegrüßung; Punkt, zwei\n\nIhre Antwort: " + LINK + "A" * 90),
    ('Dr. "Müller", Anna; x:y', "jörg@bücher.example", "kurz"),
    ("a" * 300, "b" * 60 + "@example.org", "ü" * 200),
    ("Émilie 🌱 Grün", "emilie@example.org", "x" * 73 + "\\,;" + "€" * 40 + "\n" * 30),
    ("^" * 80, "caret@example.org", "\\" * 150),
]  # fmt: skip


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_each_invitee_gets_the_bytes_of_a_whole_build(method: str) -> None:
    with_url = method == "REQUEST"
    template = CalendarTemplate(replace(ENTRY, url="x" if with_url else None), BERLIN,
                                method=method)  # fmt: skip
    for index, (name, email, description) in enumerate(INVITEES):
        url = f"{LINK}{'B' * (index * 37)}" if with_url else None
        whole = build_ics(
            replace(ENTRY, attendee_name=name, attendee_email=email, description=description,
                    url=url),
            BERLIN,
            method=method,
        )  # fmt: skip
        assert template.for_invitee(name, email, description, url) == whole, name


def test_only_the_invitees_lines_differ() -> None:
    template = CalendarTemplate(ENTRY, BERLIN)
    one = template.for_invitee("Anna Schmidt", "anna@example.org", "Antwort: a", LINK + "a")
    two = template.for_invitee("Bernd Bauer", "bernd@example.org", "Antwort: b", LINK + "b")
    # the logical lines (a folded one continues after CRLF and a space)
    lines_one = one.replace(b"\r\n ", b"").split(b"\r\n")
    lines_two = two.replace(b"\r\n ", b"").split(b"\r\n")
    differ = {a.split(b":")[0].split(b";")[0] for a, b in zip(lines_one, lines_two, strict=True)
              if a != b}  # fmt: skip
    assert differ == {b"ATTENDEE", b"DESCRIPTION", b"URL"}


def test_a_template_with_a_url_wants_one() -> None:
    with pytest.raises(ValueError):
        CalendarTemplate(ENTRY, BERLIN).for_invitee("A", "a@example.org", "d", None)


def test_invitees_get_the_same_entry_but_for_their_own_lines(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    """Through the API: three invitations, their calendar entries the same bytes except
    ATTENDEE, DESCRIPTION and URL, each of which names that invitee and their link; and
    queueing them rendered no letter (the bodies are rendered when sent)."""
    _eid, _pids, wid = setup_workshop(staff, people=3)
    renders: list[str] = []
    real_render = render_module.render

    def counting(kind: str, language: str, context: dict[str, Any]) -> Any:
        renders.append(kind)
        return real_render(kind, language, context)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_module, "render", counting)
        patch.setattr(deferred, "render", counting)
        staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
        assert renders == []  # nothing rendered while queueing
        send()
    assert renders.count("invitation") == 3  # each rendered once, when sent
    received = [m for m in smtp_sink.wait_for(3) if "Einladung" in str(m["Subject"])]
    assert len(received) == 3
    entries = {}
    for message in received:
        raw = parts(message)["attachment"].get_payload(decode=True)
        lines = raw.replace(b"\r\n ", b"").split(b"\r\n")
        own = {line.split(b":")[0].split(b";")[0]: line for line in lines}
        to = str(message["To"])
        link = rsvp_path(message)
        assert own[b"ATTENDEE"].endswith(f"mailto:{message['To'].addresses[0].addr_spec}".encode())
        assert link.encode() in own[b"DESCRIPTION"] and own[b"URL"].endswith(link.encode())
        shared = [line for line in lines if not line.startswith((b"ATTENDEE", b"DESCRIPTION",
                                                                 b"URL"))]  # fmt: skip
        entries[to] = shared
    assert len({tuple(shared) for shared in entries.values()}) == 1
