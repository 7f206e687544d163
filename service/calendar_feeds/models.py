from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class CalendarFeed(SQLModel, table=True):
    """One subscription URL. Only the token's hash is stored (as for API keys): the URL is
    shown once, and a copy of the database does not hand out calendars."""

    __tablename__ = "calendar_feeds"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    owner: str = Field(max_length=200, index=True)  # the principal that created it
    label: str | None = Field(default=None, max_length=200)
    # only the engagements this owner is responsible for (None: every engagement)
    only_owner: str | None = Field(default=None, max_length=200)
    firm: str | None = Field(default=None, max_length=200)  # the creator's firm: its scope
    created_at: datetime
    revoked_at: datetime | None = None
