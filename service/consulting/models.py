from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class ConsultingDay(SQLModel, table=True):
    """Consultant days spent on one date, in half-day steps."""

    __tablename__ = "consulting_days"

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagements.id", index=True, ondelete="CASCADE")
    date: date
    days: float
    mode: str = Field(max_length=20)  # on_site | digital | desk
    consultant: str = Field(max_length=200)
    activity: str = Field(max_length=4000)
    actor: str = Field(max_length=200)
    created_at: datetime
