"""Read-only queries the dashboard needs beyond the feature services: the counts per
stage (one GROUP BY), a count under filters (overdue, due soon) and the owners for the
filter, in natural order."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from service.engagements import search
from service.engagements.filters import EngagementFilters
from service.engagements.models import Engagement


def stage_counts(
    session: Session, filters: EngagementFilters, now: datetime, tz: ZoneInfo
) -> dict[str, int]:
    """Counts per stage under the same filters except the stage itself."""
    query = filters.where(
        select(col(Engagement.state), func.count()).group_by(col(Engagement.state)),
        now,
        with_stage=False,
        tz=tz,
    )
    return {state: int(count) for state, count in session.execute(query)}


def count(session: Session, filters: EngagementFilters, now: datetime, tz: ZoneInfo) -> int:
    """How many engagements match (the overview's "3 überfällig")."""
    query = filters.where(select(func.count()).select_from(Engagement), now, tz=tz)
    return int(session.execute(query).scalar_one())


def owners(session: Session, tenant: str | None = None, limit: int = 200) -> list[str]:
    """The owners for the filter in natural order: "Referent 2" before "Referent 10",
    "Ärzte" with the A's (the order key the owner column sorts by too). `tenant`: only
    owners of that firm's engagements (another firm's staff names are not shown)."""
    query = select(col(Engagement.owner_key), col(Engagement.owner)).where(
        col(Engagement.owner).is_not(None)
    )
    if tenant is not None:
        query = query.where(col(Engagement.firm) == tenant)
    rows = session.execute(
        query.distinct().order_by(col(Engagement.owner_key), col(Engagement.owner)).limit(limit)
    )
    return sorted((owner for _, owner in rows if owner), key=search.natural)


def firms(session: Session) -> list[str]:
    """Every firm that has an engagement, for the filter of those who see all firms."""
    query = select(col(Engagement.firm)).where(col(Engagement.firm).is_not(None)).distinct()
    return sorted(str(f) for f in session.execute(query).scalars())
