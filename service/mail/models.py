from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, Text
from sqlmodel import Column, Field, SQLModel


class OutboxMessage(SQLModel, table=True):
    """One email, written in the transaction that caused it and sent later by a sweep."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int | None = Field(
        default=None, foreign_key="engagements.id", index=True, ondelete="CASCADE"
    )
    participant_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=40)
    # a unique key per logical email: a second insert of the same email is a no-op
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    to_addr: str = Field(max_length=2000)
    # where a reply goes (Reply-To): the owner's address once known, else FOKUS_REPLY_TO
    reply_to: str | None = Field(default=None, max_length=320)
    subject: str = Field(max_length=500)
    # the rendered mail; None while it is to be rendered at send time (`template`)
    body_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    body_html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # what the dispatcher renders at send time (service/mail/deferred.py): the template,
    # the letter's language and its parameters as JSON. `params` holds the recipient's
    # name and salutation: personal data like `to_addr` (erasure scrubs both)
    template: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=5)
    params: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ics: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    ics_method: str | None = Field(default=None, max_length=20)
    message_id: str = Field(max_length=200)
    status: str = Field(default="queued", max_length=10)  # queued | sent | failed
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=2000)
    next_attempt_at: datetime
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    created_at: datetime
