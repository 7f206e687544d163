"""Writing mail into the outbox, inside the transaction of the change that causes it."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable, Iterator
from email.headerregistry import Address
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Dialect
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
    if local and domain and not _QUOTED_NAME.search(name or "") and not _QUOTED_LOCAL.search(local):
        # what Address() writes when it quotes nothing, at a fifth of its cost (a
        # transition addresses every participant)
        return f"{name} <{local}@{domain}>" if name else f"{local}@{domain}"
    return str(Address(display_name=name or "", username=local, domain=domain))


# the characters that make email.headerregistry quote a display name (its SPECIALS) or
# a local part (its DOT_ATOM_ENDS, and more: anything else falls back to Address())
_QUOTED_NAME = re.compile(r'[()<>@,:;.\\"\[\]]')
_QUOTED_LOCAL = re.compile(r'[()<>@,:;\\"\[\]\s]')


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


def message_ids(kind: str, domain: str) -> Iterator[str]:
    """Message-IDs for the mails one change queues: one random part for all of them and a
    counter, unique like one random part each (96 random bits), at a fraction of the cost."""
    stem = f"<{kind}.{secrets.token_hex(12)}"
    return (f"{stem}.{n}@{domain}>" for n in itertools.count(1))


# what differs between the rows `enqueue_rows` writes, in this order
MANY = (
    "kind",
    "template",
    "language",
    "to_addr",
    "subject",
    "params",
    "engagement_id",
    "participant_id",
    "dedupe_key",
    "message_id",
    "reply_to",
)
# what `enqueue_many` takes beside those (a row's own calendar entry, or its bodies)
_OPTIONAL = ("ics", "ics_method", "body_text", "body_html")
_SAME = ("status", "attempts", "next_attempt_at", "created_at")
# rows per executemany: bounds the list of values held at once (10 000 invitations)
_ROWS_PER_STATEMENT = 1000


class _Many(NamedTuple):
    sql: str
    # the bind processors of each column (None: the driver takes the value as it is)
    processors: dict[str, Callable[[Any], Any] | None]


@lru_cache(maxsize=4)
def _many(dialect: Dialect) -> _Many:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING as the driver takes it (SQLite and
    PostgreSQL spell it alike), one tuple of values per row. The rows go to the driver's
    executemany as they are, and what every row shares is converted once per call:
    SQLAlchemy's per-row parameter processing cost more than SQLite inserting the row."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    columns = MANY + _OPTIONAL + _SAME
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)}) ON CONFLICT (dedupe_key) DO NOTHING"
    )
    processors = {c: table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns}
    for name in MANY:  # strings and integers, which the drivers take as they are
        assert processors[name] is None, name
    return _Many(sql, processors)


def _write_many(session: Session, ctx: Context, rows: list[tuple[Any, ...]]) -> int:
    """`rows` hold the columns MANY + _OPTIONAL, as the driver takes them. A row to an
    `undeliverable` address (an erased person's) is left out, as `enqueue` does."""
    to = MANY.index("to_addr")
    rows = [row for row in rows if not undeliverable(row[to])]
    if not rows:
        return 0
    connection = session.connection()
    many = _many(connection.dialect)
    now = ctx.clock.now()
    same = tuple(
        processor(value) if (processor := many.processors[name]) is not None else value
        for name, value in zip(_SAME, ("queued", 0, now, now), strict=True)
    )
    queued = 0
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = [row + same for row in rows[start : start + _ROWS_PER_STATEMENT]]
        queued += max(connection.exec_driver_sql(many.sql, chunk).rowcount, 0)
    after_commit(session, ctx.mail_queued)
    return queued


_NO_OPTIONAL = (None,) * len(_OPTIONAL)


def enqueue_rows(session: Session, ctx: Context, rows: list[tuple[Any, ...]]) -> int:
    """Queues many emails to be rendered at send time (service/mail/deferred.py) in one
    statement; each row holds the columns `MANY` names, in that order. Returns how many
    were queued: a row whose `dedupe_key` was queued before writes nothing, as with
    `enqueue` (the database's unique index decides, not a SELECT per row). The
    dispatcher is woken after the commit."""
    return _write_many(session, ctx, [row + _NO_OPTIONAL for row in rows])


def enqueue_many(session: Session, ctx: Context, rows: list[dict[str, Any]]) -> int:
    """`enqueue_rows` for rows given as dicts by column name, which may also carry a
    calendar entry (`ics`, `ics_method`) or rendered bodies; a column left out is NULL."""
    if not rows:
        return 0
    many = _many(session.connection().dialect)
    optional = [(c, many.processors[c]) for c in _OPTIONAL]
    converted = [
        tuple(row.get(c) for c in MANY)
        + tuple(
            p(v) if p is not None and (v := row.get(c)) is not None else row.get(c)
            for c, p in optional
        )
        for row in rows
    ]
    return _write_many(session, ctx, converted)


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
    loses the address, the text, the parameters it was rendered from (`params`: the
    name and salutation) and the calendar entry. Runs in the caller's transaction."""
    of_them = col(OutboxMessage.participant_id) == participant_id
    session.execute(delete(OutboxMessage).where(of_them, col(OutboxMessage.status) != "sent"))
    session.execute(
        update(OutboxMessage)
        .where(of_them)
        .values(to_addr=ERASED, body_text=ERASED, body_html=ERASED, ics=None, params=None)
    )
