"""Reminding invitees who have not answered (`POST /api/v1/workshops/{id}/reminders`),
received by the real SMTP sink: who gets one, at most once per person per workshop per
day, the German text with the same personal RSVP link as the invitation, and the
refusals."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlmodel import col

from service.core.clock import MovableClock
from service.core.context import Context
from service.mail.models import OutboxMessage
from tests.mail.conftest import Send, parts, rsvp_path, setup_workshop
from tests.support import Api, SmtpSink


def _to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


def _invite_all(
    staff: Api, send: Send, smtp_sink: SmtpSink, wid: int, people: int
) -> dict[str, str]:
    """Invites everyone and returns each invitee's RSVP path from their invitation."""
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202) == {"queued": people}
    send()
    return {_to(m): rsvp_path(m) for m in smtp_sink.wait_for(people)}


def _answer(staff: Api, path: str, response: str) -> None:
    answered = staff.client.post(path, json={"response": response})
    assert answered.status_code == 200, answered.text


def _remind(staff: Api, wid: int) -> int:
    body = staff.ok(staff.post(f"/api/v1/workshops/{wid}/reminders"))
    assert set(body) == {"reminded"}
    reminded: int = body["reminded"]
    return reminded


def _reminders(ctx: Context) -> int:
    with ctx.db.read() as session:
        query = select(func.count()).where(col(OutboxMessage.kind) == "rsvp_reminder")
        return int(session.execute(query).scalar_one())


def test_only_invitees_without_an_answer_are_reminded_once_a_day(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context, clock: MovableClock
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=3)
    links = _invite_all(staff, send, smtp_sink, wid, 3)
    late = staff.participant(eid, name="Nachzüglerin", email="spaet@example.org")  # not invited
    _answer(staff, links[f"person0.{eid}@example.org"], "accepted")

    assert _remind(staff, wid) == 2
    send()
    reminders = smtp_sink.wait_for(5)[3:]
    assert sorted(_to(m) for m in reminders) == [
        f"person1.{eid}@example.org",
        f"person2.{eid}@example.org",
    ]
    assert late["email"] not in {_to(m) for m in smtp_sink.messages}

    # the same day again (a double click, a colleague): nobody twice, and the count says so
    assert _remind(staff, wid) == 0
    assert send().sent == 0
    assert _reminders(ctx) == 2

    # the next day, whoever still has not answered is reminded again; an answer ends it
    _answer(staff, links[f"person1.{eid}@example.org"], "declined")
    clock.advance(timedelta(days=1))
    assert _remind(staff, wid) == 1
    send()
    [again] = smtp_sink.wait_for(6)[5:]
    assert _to(again) == f"person2.{eid}@example.org"
    # the link in the reminder is the invitation's: answering through it ends the reminders
    _answer(staff, rsvp_path(again), "accepted")
    clock.advance(timedelta(days=1))
    assert _remind(staff, wid) == 0
    assert _reminders(ctx) == 3
    invitations = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"]
    assert sorted(i["rsvp"] for i in invitations) == ["accepted", "accepted", "declined"]


def test_the_reminder_is_german_with_the_invitations_rsvp_link(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=1)
    links = _invite_all(staff, send, smtp_sink, wid, 1)
    assert _remind(staff, wid) == 1
    send()
    message = smtp_sink.wait_for(2)[1]
    assert str(message["Subject"]) == (
        "Erinnerung: Bitte antworten Sie auf die Einladung zu „Auftaktworkshop“ am "
        "Dienstag, 10. März 2026 (Gemeinde Beispielstadt)"
    )
    found = parts(message)
    text = found["text"]
    assert text.startswith("Guten Tag Jürgen Größe-Weiß,")
    assert "Ihre Antwort liegt uns noch nicht vor" in text
    assert "Datum:    Dienstag, 10. März 2026" in text
    assert "Uhrzeit:  17:00–20:00 Uhr" in text
    assert "Rathaus, Sitzungssaal" in text
    assert "Datenschutz:" in text
    assert rsvp_path(message) == links[f"person0.{eid}@example.org"]  # no new token
    assert f'href="http://fokus.example{rsvp_path(message)}"' in found["html"]
    assert "Zusagen oder absagen" in found["html"]
    assert "attachment" not in found and "calendar" not in found  # a reminder, not an update
    assert message["To"].addresses[0].display_name == "Jürgen Größe-Weiß"


def test_an_english_invitee_gets_the_english_reminder(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid, name="Jane Doe", email="jane@example.org", language="en")
    wid = staff.workshop(eid)["id"]
    _invite_all(staff, send, smtp_sink, wid, 1)
    assert _remind(staff, wid) == 1
    send()
    message = smtp_sink.wait_for(2)[1]
    assert str(message["Subject"]).startswith('Reminder: please answer the invitation to "Auftakt')
    text = parts(message)["text"]
    assert text.startswith("Dear Jane Doe,")
    assert "have not heard from you yet" in text


def test_no_reminder_for_a_cancelled_or_past_workshop_or_a_final_engagement(
    staff: Api, supervisor: Api, ctx: Context
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=1)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    assert supervisor.post(f"/api/v1/workshops/{wid}/reminders").status_code == 403
    assert staff.post("/api/v1/workshops/9999/reminders").status_code == 404
    assert staff.post("/api/v1/workshops/x/reminders").status_code == 422

    past = staff.workshop(eid, starts_at="2026-03-01T10:00:00", ends_at="2026-03-01T12:00:00")
    over = staff.post(f"/api/v1/workshops/{past['id']}/reminders")
    assert over.status_code == 409, over.text

    cancelled = staff.workshop(eid, title="Zweiter Workshop")["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{cancelled}/cancel"))
    assert staff.post(f"/api/v1/workshops/{cancelled}/reminders").status_code == 409

    staff.ok(staff.fire(eid, "withdraw"))
    final = staff.post(f"/api/v1/workshops/{wid}/reminders")
    assert final.status_code == 409, final.text
    assert _reminders(ctx) == 0
