from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class Measure(SQLModel, table=True):
    __tablename__ = "measures"

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagements.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    action_area: str = Field(max_length=40)
    description: str | None = Field(default=None, max_length=4000)
    responsible: str | None = Field(default=None, max_length=200)
    planned_start: date | None = None
    planned_end: date | None = None
    status: str = Field(default="planned", max_length=20)
    progress_percent: int = 0
    # set when the measure first goes in_progress (the started-measure rules read it)
    started_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
