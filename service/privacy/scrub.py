"""Overwriting a person in what stays: the mail written to them, and every text column of
every table that still mentions their address or name.

Each feature's own erasure (participants, invitations, history) runs first and decides
what a record means without the person; `everywhere` is the net under it: it walks every
table SQLModel knows (so a column added later is covered without a change here) and
replaces each mention in its text columns, except the columns that say whom a record is
about (`IDENTITY`), which the erasure decides by the address. A unique column
(`dedupe_key`) gets a unique stand-in instead, so two rows can never collide. Binary
columns (an attached file, a sent calendar entry) are not read: mail rows lose their
calendar entry with the address; docs/privacy.md says what an admin must check by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import or_, select
from sqlmodel import Session, SQLModel, col

from service.mail.models import OutboxMessage
from service.mail.outbox import ERASED
from service.privacy.people import Person

# derived from other columns: rewritten by the caller from what they are made of
DERIVED = frozenset({"engagements.search_text", "engagements.owner_key"})
# who a record is about: the erasure decides these by the address (a namesake's own
# record, or mail to a namesake, must not lose its name)
IDENTITY = frozenset(
    {
        "participants.name",
        "participants.email",
        "engagements.contact_name",
        "engagements.contact_email",
        "users.name",
        "users.email",
        "portal_links.email",
        "outbox_messages.to_addr",
    }
)
# mail that was not sent yet: it never will be once its recipient is erased
UNSENT = ("queued", "failed")


@dataclass
class Scrubbed:
    rows: int = 0
    engagements: set[int] = field(default_factory=set)  # whose rows changed


def mail(
    session: Session, person: Person, pids: list[int], *, engagement_id: int | None = None
) -> int:
    """Mail to the person (to one of `pids` or addressed to them; only that engagement's
    with `engagement_id`): unsent mail is `cancelled` and never sent; every such row keeps
    its delivery record (kind, status, dates, Message-ID) and loses address, subject, text
    and calendar entry. Returns the rows changed."""
    query = select(OutboxMessage).where(
        or_(col(OutboxMessage.participant_id).in_(pids), person.candidates(OutboxMessage.to_addr))
    )
    if engagement_id is not None:
        query = query.where(col(OutboxMessage.engagement_id) == engagement_id)
    changed = 0
    for message in session.execute(query).scalars():
        if message.participant_id not in pids and not person.address_in(message.to_addr):
            continue
        if message.status in UNSENT:
            message.status = "cancelled"
            message.claimed_by = message.claimed_until = None
        message.to_addr = message.subject = message.body_text = message.body_html = ERASED
        message.ics = None
        if person.address_in(message.reply_to):
            message.reply_to = None
        if person.address_in(message.dedupe_key):
            message.dedupe_key = f"erased:{message.id}"
        session.add(message)
        changed += 1
    session.flush()
    return changed


def is_text(column: sa.Column[object]) -> bool:
    """A column that holds text: String and Text, also behind a TypeDecorator (SQLModel's
    AutoString is one, and is not a String subclass)."""
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, sa.String) and not isinstance(kind, sa.Enum)


def _text_columns(table: sa.Table) -> list[sa.Column[str]]:
    return [
        column
        for column in table.columns
        if is_text(column)
        and not column.primary_key
        and f"{table.name}.{column.name}" not in DERIVED | IDENTITY
    ]


def everywhere(session: Session, person: Person, *, engagement_id: int | None = None) -> Scrubbed:
    """Replaces the person's address and names in every text column of every table, or,
    with `engagement_id`, in the rows of that engagement only (tables with an
    `engagement_id` column: the retention sweep, which must not touch the same person's
    other engagements). Runs in the caller's transaction; pending ORM changes are flushed
    first and loaded objects expired after, so neither side overwrites the other."""
    session.flush()
    done = Scrubbed()
    for table in SQLModel.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        owner = table.columns.get("engagement_id")
        if len(keys) != 1 or (engagement_id is not None and owner is None):
            continue
        key = keys[0]
        for column in _text_columns(table):
            query = select(key, column, owner if owner is not None else key).where(
                person.candidates(column)
            )
            if engagement_id is not None and owner is not None:
                query = query.where(owner == engagement_id)
            for row_id, value, eid in session.execute(query).all():
                if not person.mentioned_in(value):
                    continue
                new = f"erased:{row_id}" if column.unique else person.scrubbed(value)
                length = getattr(column.type, "length", None)
                session.execute(
                    table.update().where(key == row_id).values({column.name: new[:length]})
                )
                done.rows += 1
                if table.name == "engagements":
                    done.engagements.add(int(row_id))
                elif owner is not None and eid is not None:
                    done.engagements.add(int(eid))
    session.expire_all()
    return done
