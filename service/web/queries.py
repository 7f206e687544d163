"""Read-only queries the dashboard needs beyond the feature services: the counts per
stage (one GROUP BY) and the owners for the filter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from service.engagements.filters import EngagementFilters
from service.engagements.models import Engagement


def stage_counts(session: Session, filters: EngagementFilters, now: datetime) -> dict[str, int]:
    """Counts per stage under the same filters except the stage itself."""
    query = filters.where(
        select(col(Engagement.state), func.count()).group_by(col(Engagement.state)),
        now,
        with_stage=False,
    )
    return {state: int(count) for state, count in session.execute(query)}


def owners(session: Session, limit: int = 200) -> list[str]:
    rows = session.execute(
        select(col(Engagement.owner))
        .where(col(Engagement.owner).is_not(None))
        .distinct()
        .order_by(col(Engagement.owner))
        .limit(limit)
    ).scalars()
    return [r for r in rows if r]
