"""Issue 9: internationalised addresses, and one message that cannot be built or sent,
never stop the other mail.

The API accepts `jörg@bücher.de` (email-validator allows SMTPUTF8 addresses). The domain
goes out in its IDNA (xn--) form; a non-ASCII local part needs SMTPUTF8: delivered where
the server offers it, else that one message ends `failed` with a readable `last_error`
while every other message of the same claimed batch is delivered."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.mail import dispatch as dispatcher
from service.mail.addresses import recipient
from service.mail.models import OutboxMessage
from service.mail.transport import SendError, build_message
from tests.support import Api, SmtpSink, _Handler

UMLAUT_LOCAL = "jörg@bücher.de"  # non-ASCII local part (and domain)
UMLAUT_DOMAIN = "info@bücher.de"  # ASCII local part, non-ASCII domain
ACE_DOMAIN = "xn--bcher-kva.de"  # bücher.de in IDNA form
ORDINARY = 50


@pytest.fixture
def smtp_sink(request: pytest.FixtureRequest) -> Iterator[SmtpSink]:
    """The real SMTP sink, offering SMTPUTF8 only when the test asks for "smtputf8"
    (aiosmtpd's Controller offers it unless told not to)."""
    sink = SmtpSink()
    sink.controller = Controller(
        _Handler(sink),
        hostname="127.0.0.1",
        port=sink.port,
        enable_SMTPUTF8=getattr(request, "param", "plain") == "smtputf8",
    )
    sink.start()
    yield sink
    sink.stop()


def _invite(staff: Api, emails: list[str]) -> tuple[int, int]:
    """One workshop, one participant per address (in this order), all invited."""
    eid = staff.engagement()["id"]
    for n, address in enumerate(emails):
        staff.participant(eid, name=f"Person {n}", email=address)
    wid = staff.workshop(eid, starts_at="2030-05-07T17:00:00", ends_at="2030-05-07T20:00:00")["id"]
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202) == {
        "queued": len(emails)
    }
    return eid, wid


def _outbox(ctx: Context) -> dict[str, OutboxMessage]:
    """The outbox rows by the address part of their To."""
    with ctx.db.read() as session:
        rows = list(session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id))))
        found = {}
        for (row,) in rows:
            session.expunge(row)
            found[row.to_addr.rpartition("<")[2].rstrip(">")] = row
        return found


def _ordinary(n: int) -> str:
    return f"person{n}@example.org"


def test_one_address_the_server_cannot_take_fails_alone_and_the_others_go_out(
    staff: Api, ctx: Context, smtp_sink: SmtpSink
) -> None:
    # the unsendable one first: before issue 9 it ended the run and held up the batch
    eid, _wid = _invite(
        staff, [UMLAUT_LOCAL, UMLAUT_DOMAIN, *(_ordinary(n) for n in range(ORDINARY))]
    )

    result = dispatcher.dispatch(ctx)  # returns: the sweep does not crash

    assert (result.claimed, result.sent, result.failed, result.retrying) == (52, 51, 1, 0)
    received = smtp_sink.wait_for(ORDINARY + 1)
    recipients = sorted(to for _sender, tos in smtp_sink.envelopes for to in tos)
    assert recipients == sorted([f"info@{ACE_DOMAIN}", *(_ordinary(n) for n in range(50))])
    idna_mail = next(m for m in received if ACE_DOMAIN in str(m["To"]))
    assert idna_mail["To"].addresses[0].addr_spec == f"info@{ACE_DOMAIN}"

    rows = _outbox(ctx)
    failed = rows[UMLAUT_LOCAL]
    assert (failed.status, failed.attempts, failed.claimed_by) == ("failed", 1, None)
    assert failed.last_error is not None
    assert "non-ASCII characters before the @" in failed.last_error
    assert "does not offer SMTPUTF8" in failed.last_error
    assert {r.status for a, r in rows.items() if a != UMLAUT_LOCAL} == {"sent"}
    # what staff see
    messages = staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))
    [shown] = [m for m in messages if m["status"] == "failed"]
    assert "SMTPUTF8" in shown["last_error"]

    assert dispatcher.dispatch(ctx).claimed == 0  # failed is final: never tried again
    assert len(smtp_sink.messages) == ORDINARY + 1


@pytest.mark.parametrize("smtp_sink", ["smtputf8"], indirect=True)
def test_a_server_with_smtputf8_gets_the_non_ascii_local_part(
    staff: Api, ctx: Context, smtp_sink: SmtpSink
) -> None:
    _invite(staff, [UMLAUT_LOCAL, _ordinary(0)])

    result = dispatcher.dispatch(ctx)

    assert (result.sent, result.failed) == (2, 0)
    received = smtp_sink.wait_for(2)
    recipients = sorted(to for _sender, tos in smtp_sink.envelopes for to in tos)
    assert recipients == sorted([f"jörg@{ACE_DOMAIN}", _ordinary(0)])
    # the header carries the address in UTF-8 (RFC 6532), the name RFC 2047 encoded
    heads = [m.as_bytes().split(b"\n\n")[0] for m in received]
    assert any(f"To: Person 0 <jörg@{ACE_DOMAIN}>".encode() in head for head in heads)
    assert {r.status for r in _outbox(ctx).values()} == {"sent"}


@pytest.mark.parametrize("settings_overrides", [{}])  # no FOKUS_SMTP_URL: the Maildir
def test_the_maildir_takes_both_addresses(staff: Api, ctx: Context) -> None:
    _invite(staff, [UMLAUT_LOCAL, UMLAUT_DOMAIN])

    result = dispatcher.dispatch(ctx)

    assert (result.sent, result.failed) == (2, 0)
    stored = list((Path(ctx.settings.var_dir) / "mail" / "new").iterdir())
    assert len(stored) == 2
    # an RFC 6532 message: UTF-8 in the headers, read as such
    messages = [_utf8_message(path.read_bytes()) for path in stored]
    to = sorted(m["To"].addresses[0].addr_spec for m in messages)
    assert to == sorted([f"jörg@{ACE_DOMAIN}", f"info@{ACE_DOMAIN}"])
    assert {str(m["To"].addresses[0].display_name) for m in messages} == {"Person 0", "Person 1"}


def _utf8_message(raw: bytes) -> EmailMessage:
    message = email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_message_that_cannot_be_built_fails_alone(
    staff: Api, ctx: Context, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong with one message, also what nobody foresaw, is that message's
    failure, not the run's."""
    _invite(staff, [_ordinary(n) for n in range(5)])

    def broken_for_one(row: Any, settings: Any) -> Any:
        if row.to_addr.endswith(f"<{_ordinary(1)}>"):
            raise RuntimeError("a defect nobody foresaw")
        return build_message(row, settings)

    monkeypatch.setattr("service.mail.sending.build_message", broken_for_one)

    result = dispatcher.dispatch(ctx)

    assert (result.sent, result.failed) == (4, 1)
    smtp_sink.wait_for(4)
    broken = _outbox(ctx)[_ordinary(1)]
    assert (broken.status, broken.attempts) == ("failed", 1)
    assert broken.last_error == (
        "the message could not be built: RuntimeError: a defect nobody foresaw"
    )


def test_a_domain_without_an_idna_form_is_a_permanent_error() -> None:
    assert recipient(f"Jörg <{UMLAUT_LOCAL}>").addr_spec == f"jörg@{ACE_DOMAIN}"
    assert recipient("a@straße.de").addr_spec == "a@xn--strae-oqa.de"  # IDNA 2008, not 2003
    for unusable in ("a@☃.de", "a@-bücher.de"):  # a symbol; a hyphen at the start
        with pytest.raises(SendError, match="IDNA") as raised:
            recipient(unusable)
        assert raised.value.permanent
