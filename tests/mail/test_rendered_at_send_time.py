"""Stage notices are rendered when they are sent, not inside the transition (issue 16):
the transition stores template, language and parameters; the dispatcher renders the
same letter the transition used to render. Rows queued with their bodies (before
migration 0020, and every other kind of mail) still send as they are."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.headerregistry import Address
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.mail import deferred, render
from service.mail.common import common_context
from service.mail.models import OutboxMessage
from service.mail.outbox import address, enqueue, enqueue_rows, forget_recipient
from tests.mail.conftest import Send, parts
from tests.support import Api, SmtpSink

PEOPLE = 30


def _outbox(ctx: Context) -> list[OutboxMessage]:
    with ctx.db.read() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        rows = list(session.execute(query).scalars())
        session.expunge_all()  # readable after the read's rollback
        return rows


def _expected(
    ctx: Context, row: OutboxMessage, note: str | None, engagement: dict[str, Any]
) -> render.Rendered:
    """The letter as the transition rendered it before issue 16: the context built the
    way service/engagements/notices.py built it then, from the engagement and the
    participant (only the recipient's name and salutation are read from the row)."""
    language = row.language or "de"
    process = ctx.process_of("fokusberatung", 1)
    params = json.loads(row.params or "{}")
    due = datetime.fromisoformat(engagement["stage_due_at"]).astimezone(ctx.settings.tz)
    context: dict[str, Any] = {
        **common_context(ctx, language),
        "recipient_name": params["recipient_name"],
        "recipient_salutation": params["recipient_salutation"],
        "signer": engagement["owner"],
        "process_title": process.title(language),
        "step": "draft_vision",
        "municipality": engagement["municipality"],
        "stage": process.stage("guiding_vision").label(language),
        "previous_stage": process.stage("workshops").label(language),
        "state": "guiding_vision",
        "note": note,
        "due_at": due,
    }
    return render.render("stage_notice", language, context)


def test_thirty_participants_render_nothing_in_the_transaction_and_get_their_letters(
    staff: Api, ctx: Context, send: Send, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    eid = staff.engagement(owner="Lena Vogel")["id"]
    staff.ok(staff.fire(eid, "approve"))
    for i in range(PEOPLE):
        staff.participant(
            eid,
            name=f"Jürgen Größe-Weiß {i}" if i % 3 else f"Jane Doe {i}",
            email=f"person{i}@example.org",
            language="de" if i % 3 else "en",
            **({"salutation": "frau"} if i % 2 else {}),
        )
    staff.ok(staff.fire(eid, "start_workshops"))
    staff.workshop(
        eid, starts_at="2026-03-01T17:00:00", ends_at="2026-03-01T19:00:00"
    )  # ended: draft_vision's guard
    send()
    smtp_sink.wait_for(PEOPLE)
    smtp_sink.messages.clear()

    letters: list[str] = []
    subjects: list[str] = []
    real_render, real_subject = render.render, render.render_subject

    def counted_render(kind: str, language: str, context: dict[str, Any]) -> render.Rendered:
        letters.append(kind)
        return real_render(kind, language, context)

    def counted_subject(kind: str, language: str, context: dict[str, Any]) -> str:
        subjects.append(language)
        return real_subject(kind, language, context)

    from service.engagements import notices

    monkeypatch.setattr(render, "render", counted_render)
    monkeypatch.setattr(deferred, "render", counted_render)
    monkeypatch.setattr(render, "render_subject", counted_subject)
    monkeypatch.setattr(notices, "render_subject", counted_subject)
    note = 'Bitte "Entwurf" ansehen – danke!'
    engagement = staff.ok(staff.fire(eid, "draft_vision", note=note))
    assert letters == []  # nothing rendered inside the transaction
    assert sorted(subjects) == ["de", "en"]  # one subject per language, not per person

    queued = [row for row in _outbox(ctx) if row.status == "queued"]
    assert len(queued) == PEOPLE
    assert all(row.body_text is None and row.template == "stage_notice" for row in queued)
    assert len({row.message_id for row in queued}) == PEOPLE

    send()
    received = smtp_sink.wait_for(PEOPLE)
    assert letters == ["stage_notice"] * PEOPLE  # rendered by the dispatcher
    by_address = {str(m["To"]).rpartition("<")[2].rstrip(">"): m for m in received}
    assert len(by_address) == PEOPLE
    for row in queued:
        message = by_address[row.to_addr.rpartition("<")[2].rstrip(">")]
        expected = _expected(ctx, row, note, engagement)
        got = parts(message)
        assert str(message["Subject"]) == expected.subject == row.subject
        assert got["text"].replace("\r\n", "\n") == expected.text.replace("\r\n", "\n")
        assert got["html"].replace("\r\n", "\n") == expected.html.replace("\r\n", "\n")
        params = json.loads(row.params or "{}")
        if params["recipient_salutation"] == "frau":
            assert got["text"].startswith("Sehr geehrte Frau ") or got["text"].startswith(
                "Dear Ms "
            )
        assert note in got["text"]
        assert message["Message-ID"] == row.message_id

    messages = staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))
    latest = messages[-PEOPLE:]
    assert {m["subject"] for m in latest} == {row.subject for row in queued}
    assert all(m["status"] == "sent" for m in latest)


def test_a_row_queued_with_its_bodies_still_sends_as_it_is(
    ctx: Context, send: Send, smtp_sink: SmtpSink
) -> None:
    """What was queued before migration 0020 (and all mail rendered at queue time)."""
    with ctx.db.write() as session:
        enqueue(
            session,
            ctx,
            kind="stage_notice",
            to="Petra Klein <petra@example.org>",
            rendered=render.Rendered("Alte Zeile", "Der alte Text\n", "<p>Der alte Text</p>"),
            dedupe_key="old-format",
        )
    assert send().sent == 1
    message = smtp_sink.wait_for(1)[0]
    assert str(message["Subject"]) == "Alte Zeile"
    assert parts(message)["text"].replace("\r\n", "\n") == "Der alte Text\n"
    assert _outbox(ctx)[0].template is None


def test_a_repeated_dedupe_key_queues_nothing(ctx: Context) -> None:
    row = (
        "stage_notice",
        "stage_notice",
        "de",
        "Petra Klein <petra@example.org>",
        "Betreff",
        deferred.encode({"recipient_name": "Petra Klein", "recipient_salutation": None}),
        None,
        None,
        "stage_notice:1:v2:p1",
        "<stage_notice.x.1@example.org>",
        None,
    )
    with ctx.db.write() as session:
        assert enqueue_rows(session, ctx, [row]) == 1
    with ctx.db.write() as session:
        again = (*row[:9], "<stage_notice.x.2@example.org>", None)
        other = (*row[:8], "stage_notice:1:v2:p2", "<stage_notice.x.3@example.org>", None)
        assert enqueue_rows(session, ctx, [again, other]) == 1
    assert [r.dedupe_key for r in _outbox(ctx)] == ["stage_notice:1:v2:p1", "stage_notice:1:v2:p2"]


def test_erasure_scrubs_the_parameters_of_sent_mail(ctx: Context) -> None:
    rows = [
        (
            "stage_notice",
            "stage_notice",
            "de",
            f"Petra Klein <petra{i}@example.org>",
            "Betreff",
            deferred.encode({"recipient_name": "Petra Klein", "recipient_salutation": "frau"}),
            None,
            7,
            f"k{i}",
            f"<m{i}@example.org>",
            None,
        )
        for i in range(2)
    ]
    with ctx.db.write() as session:
        enqueue_rows(session, ctx, rows)
        first = session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id))).scalar()
        assert first is not None
        first.status = "sent"
    with ctx.db.write() as session:
        forget_recipient(session, 7)
    [kept] = _outbox(ctx)
    assert kept.status == "sent"
    assert kept.params is None and "Petra" not in kept.to_addr


def test_parameters_come_back_as_they_went_in(ctx: Context) -> None:
    tz = ctx.settings.tz
    due = datetime(2026, 3, 30, 23, 59, 59, tzinfo=tz)
    params = {"due_at": due, "note": "„Zoë“ <b>", "count": 3, "none": None}
    back = deferred.decode(deferred.encode(params), tz)
    assert back == params
    assert back["due_at"].tzinfo == tz
    assert back["due_at"].strftime("%d.%m.%Y %Z") == due.strftime("%d.%m.%Y %Z")
    assert deferred.decode(deferred.encode({"d": due.date()}), tz) == {"d": due.date()}
    assert (due + timedelta(0)).isoformat() in deferred.encode(params)


@pytest.mark.parametrize(
    "name",
    ["Petra Klein", "", "Jürgen Größe-Weiß", "Klein, Petra", "Dr. Petra Klein", 'Petra "P" K',
     "O'Neil", "Zoë (Büro)", "a\\b", "[team]"],
)  # fmt: skip
@pytest.mark.parametrize("email", ["petra@example.org", "p.k+x@straße.de", "jörg@example.org"])
def test_address_is_what_email_headerregistry_writes(name: str, email: str) -> None:
    local, _, domain = email.rpartition("@")
    assert address(name, email) == str(Address(display_name=name, username=local, domain=domain))
