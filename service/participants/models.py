from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Participant(SQLModel, table=True):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("engagement_id", "email", name="uq_participant_email"),)

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagements.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    organisation: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=200)
    language: str = Field(default="de", max_length=2)
    salutation: str | None = Field(default=None, max_length=4)  # frau | herr | None (issue 15)
    created_at: datetime
