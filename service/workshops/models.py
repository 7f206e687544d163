from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Workshop(SQLModel, table=True):
    __tablename__ = "workshops"

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagements.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    starts_at: datetime
    ends_at: datetime = Field(index=True)
    location: str = Field(max_length=300)
    agenda: str | None = None  # free text for the invitation and the RSVP page (issue 15)
    capacity: int | None = None  # None: no limit; beyond it acceptances are waitlisted
    uid: str = Field(max_length=120, unique=True)  # iCalendar UID, stable for the workshop
    sequence: int = 0  # iCalendar SEQUENCE, +1 per update or cancellation
    cancelled_at: datetime | None = None
    # when the automatic reminder to those who have not answered is due (None: sent,
    # or none to send); the sweep claims the workshop by clearing it (issue 15)
    rsvp_reminder_at: datetime | None = Field(default=None, index=True)
    created_at: datetime
    updated_at: datetime


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("workshop_id", "participant_id", name="uq_invitation_once"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshops.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participants.id", index=True, ondelete="CASCADE")
    nonce: str = Field(max_length=32)  # part of the signed RSVP token; never reused
    rsvp: str = Field(default="pending", max_length=10)  # pending | accepted | declined
    responded_at: datetime | None = None
    created_at: datetime
