"""SMTP outages and refusals: attempts and the error are visible, retries back off (at
most 5 minutes), and once the server is back every message arrives exactly once.
A claim that was never finished (a crashed worker) is sent after its lease runs out."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from service.core.clock import MovableClock
from service.core.context import Context
from service.mail import dispatch as dispatcher
from service.mail.models import OutboxMessage
from tests.mail.conftest import Send, reparse, restart_sink, setup_workshop
from tests.support import Api, SmtpSink


def _messages(staff: Api, eid: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))
    return messages


def test_server_down_then_back_every_message_arrives_exactly_once(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=3)
    smtp_sink.stop()
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)

    result = send()
    assert (result.sent, result.retrying) == (0, 3)
    messages = _messages(staff, eid)
    assert [m["status"] for m in messages] == ["queued"] * 3
    assert [m["attempts"] for m in messages] == [1, 1, 1]
    assert all("connecting to 127.0.0.1" in m["last_error"] for m in messages)
    assert send().claimed == 0  # backing off: not due yet

    clock.advance(seconds=16)
    assert send().retrying == 3
    assert [m["attempts"] for m in _messages(staff, eid)] == [2, 2, 2]

    restart_sink(smtp_sink)
    assert send().claimed == 0  # still waiting out the 30 s backoff
    clock.advance(seconds=31)
    assert send().sent == 3
    received = smtp_sink.wait_for(3)
    for _ in range(3):
        clock.advance(minutes=10)
        assert send().claimed == 0
    assert len(smtp_sink.messages) == 3
    assert max(Counter(str(m["Message-ID"]) for m in received).values()) == 1
    final = _messages(staff, eid)
    assert [(m["status"], m["attempts"]) for m in final] == [("sent", 3)] * 3
    assert all("connecting" in m["last_error"] for m in final)  # the history stays visible


def test_temporary_refusal_is_retried_and_permanent_refusal_fails(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=1)
    smtp_sink.refuse_with = "451 4.3.0 try again later"
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    assert send().retrying == 1
    [message] = _messages(staff, eid)
    assert message["status"] == "queued" and message["last_error"].startswith("451")

    smtp_sink.refuse_with = "550 5.1.1 mailbox unavailable"
    clock.advance(seconds=16)
    assert send().failed == 1
    [message] = _messages(staff, eid)
    assert (message["status"], message["attempts"]) == ("failed", 2)
    assert message["last_error"].startswith("550")
    smtp_sink.refuse_with = None
    clock.advance(hours=1)
    assert send().claimed == 0
    assert smtp_sink.messages == []


def test_backoff_doubles_and_is_capped_at_five_minutes() -> None:
    assert [dispatcher.backoff(n).total_seconds() for n in range(1, 9)] == [
        15, 30, 60, 120, 240, 300, 300, 300,
    ]  # fmt: skip
    assert dispatcher.backoff(10_000) == timedelta(minutes=5)


def test_an_expired_claim_is_sent_by_another_worker(
    staff: Api, send: Send, smtp_sink: SmtpSink, clock: MovableClock, ctx: Context
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=2)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    crashed = dispatcher.claim(ctx, worker="host-1-dead")  # claimed, then the process died
    assert len(crashed) == 2
    assert send().claimed == 0  # the lease still holds
    clock.advance(dispatcher.LEASE + timedelta(seconds=1))
    assert send().sent == 2
    assert len(smtp_sink.wait_for(2)) == 2
    assert {m["status"] for m in _messages(staff, eid)} == {"sent"}


def test_release_claims_hands_mail_back_at_once(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=2)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    me = dispatcher.worker_id()
    assert len(dispatcher.claim(ctx, worker=me)) == 2
    assert send().claimed == 0
    assert dispatcher.release_claims(ctx) == 2
    assert send().sent == 2


def test_an_unsafe_row_fails_permanently_without_touching_the_others(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=2)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    with ctx.db.write() as session:  # e.g. a row written by an older version or by hand
        row = session.get(OutboxMessage, 1)
        assert row is not None
        row.to_addr = "Eve <eve@example.org>\r\nBcc: victim@example.org"
    result = send()
    assert (result.sent, result.failed) == (1, 1)
    messages = _messages(staff, eid)
    assert messages[0]["status"] == "failed" and "control character" in messages[0]["last_error"]
    assert messages[1]["status"] == "sent"
    assert [r for _f, rcpts in smtp_sink.envelopes for r in rcpts] == ["person1.1@example.org"]


def test_without_smtp_url_mail_goes_to_a_maildir(staff: Api, ctx: Context) -> None:
    import mailbox

    from service.core.settings import Settings

    maildir_settings = Settings(**{**ctx.settings.model_dump(), "smtp_url": None})
    maildir_ctx = Context(settings=maildir_settings, db=ctx.db, clock=ctx.clock)
    _eid, _pids, wid = setup_workshop(staff, people=2)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    assert dispatcher.dispatch(maildir_ctx).sent == 2
    box = mailbox.Maildir(str(ctx.settings.var_dir / "mail"), create=False)
    subjects = sorted(str(reparse(box.get_bytes(key))["Subject"]) for key in box.iterkeys())
    assert len(subjects) == 2 and subjects[0].startswith("Einladung: Auftaktworkshop")
