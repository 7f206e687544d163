"""Writing mail into the outbox, inside the transaction of the change that causes it."""

from __future__ import annotations

import secrets
from email.headerregistry import Address

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session, col

from service.core.commit_hooks import after_commit
from service.core.context import Context
from service.core.validation import CONTROL_CHARACTERS
from service.mail.models import OutboxMessage
from service.mail.render import Rendered


def address(name: str | None, email: str) -> str:
    """`Name <email>` as people read it (quoted where needed, not MIME-encoded: the
    transport encodes it when it builds the header). A control character in either part
    is refused here as well as on input, so no name can ever add a header line."""
    if CONTROL_CHARACTERS.search(name or "") or CONTROL_CHARACTERS.search(email):
        raise ValueError("name or address contains a control character")
    local, _, domain = email.rpartition("@")
    return str(Address(display_name=name or "", username=local, domain=domain))


def undeliverable(to: str) -> bool:
    """An address at the reserved top-level domain `.invalid` (RFC 2606): what an erased
    contact person's address becomes (GDPR Art. 17, service/privacy/). Mail to it is never
    queued, so nothing keeps writing to a person who asked to be forgotten."""
    return to.strip().rstrip(">").lower().endswith(".invalid")


_QUEUED = select(col(OutboxMessage.id)).where(col(OutboxMessage.dedupe_key) == bindparam("key"))
# built once; the values come as parameters (building .values() each time cost more
# than executing the statement)
_INSERT = insert(OutboxMessage.__table__)  # type: ignore[attr-defined]


def enqueue(
    session: Session,
    ctx: Context,
    *,
    kind: str,
    to: str,
    rendered: Rendered,
    engagement_id: int | None = None,
    participant_id: int | None = None,
    dedupe_key: str | None = None,
    ics: bytes | None = None,
    ics_method: str | None = None,
    reply_to: str | None = None,
) -> bool:
    """Queues one email; returns False if `dedupe_key` was queued before (then nothing
    is written, so a repeated request or sweep cannot mail twice) or the address is
    `undeliverable` (an erased person's). Once the transaction
    commits, the dispatcher is woken (`ctx.mail_queued`, an after-commit hook).

    `reply_to` is the address of whoever answers for the mail (the engagement's owner,
    once owners have addresses); without it a reply goes to FOKUS_REPLY_TO, and without
    that the mail has no Reply-To (a reply then reaches FOKUS_MAIL_FROM)."""
    if undeliverable(to):
        return False
    if dedupe_key is not None:
        existing = session.connection().execute(_QUEUED, {"key": dedupe_key}).first()
        if existing is not None:
            return False
    now = ctx.clock.now()
    domain = ctx.settings.mail_from.rpartition("@")[2] or "localhost"
    # a Core insert, not session.add(): this runs inside every transition, and the ORM
    # unit of work was the largest single cost of a transition
    session.connection().execute(
        _INSERT,
        dict(
            engagement_id=engagement_id,
            participant_id=participant_id,
            kind=kind,
            dedupe_key=dedupe_key,
            to_addr=to,
            reply_to=reply_to or ctx.settings.reply_to,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            ics=ics,
            ics_method=ics_method,
            message_id=f"<{kind}.{secrets.token_hex(12)}@{domain}>",
            status="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        ),
    )
    # the dispatcher may run as soon as this is committed, not at its next interval
    after_commit(session, ctx.mail_queued)
    return True


def messages_of(
    session: Session, engagement_id: int, *, newest_first: bool = False, limit: int | None = None
) -> list[OutboxMessage]:
    """An engagement's emails, for the API (all, oldest first) and the dashboard."""
    order = col(OutboxMessage.id).desc() if newest_first else col(OutboxMessage.id)
    query = select(OutboxMessage).where(col(OutboxMessage.engagement_id) == engagement_id)
    return list(session.execute(query.order_by(order).limit(limit)).scalars())


# what stays of an erased person in the delivery record of mail already sent to them
ERASED = "[gelöscht / erased]"


def forget_recipient(session: Session, participant_id: int) -> None:
    """Erasure of a participant (GDPR Art. 17), the outbox's part: their unsent mail is
    deleted; mail already sent keeps its delivery record (when, status, Message-ID) but
    loses the address, the text and the calendar entry. Runs in the caller's transaction."""
    of_them = col(OutboxMessage.participant_id) == participant_id
    session.execute(delete(OutboxMessage).where(of_them, col(OutboxMessage.status) != "sent"))
    session.execute(
        update(OutboxMessage)
        .where(of_them)
        .values(to_addr=ERASED, body_text=ERASED, body_html=ERASED, ics=None)
    )
