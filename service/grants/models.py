from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class Grant(SQLModel, table=True):
    """One grant notice per engagement; a later change is recorded in the history."""

    __tablename__ = "grants"

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(
        foreign_key="engagements.id", unique=True, index=True, ondelete="CASCADE"
    )
    funding_reference: str = Field(max_length=100)  # Förderkennzeichen
    notice_date: date
    period_start: date
    period_end: date
    eligible_costs: float
    grant_amount: float
    funding_rate_percent: float
    created_at: datetime
    updated_at: datetime
