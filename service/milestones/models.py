from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class EngagementMilestone(SQLModel, table=True):
    """One milestone of one engagement, dated from its grant; the sweeps compare these
    columns with now, as they do with an engagement's stage deadline."""

    __tablename__ = "engagement_milestones"
    __table_args__ = (
        UniqueConstraint("engagement_id", "name", name="uq_engagement_milestones_name"),
        Index("ix_engagement_milestones_due", "due_at"),
        Index("ix_engagement_milestones_reminder", "reminder_at"),
        Index("ix_engagement_milestones_escalation", "next_escalation_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagements.id", ondelete="CASCADE")
    name: str = Field(max_length=40)
    due_at: datetime
    done_at: datetime | None = None
    reminder_at: datetime | None = None
    next_escalation_at: datetime | None = None
    escalation_count: int = 0
