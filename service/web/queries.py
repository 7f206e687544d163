"""Read-only queries the dashboard needs beyond the feature services: the overview page
(one LIMIT/OFFSET page, overdue first, then by deadline), the counts per stage (one
GROUP BY), the owners for the filter, and an engagement's messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from service.engagements.models import Engagement
from service.mail.models import OutboxMessage


@dataclass(frozen=True)
class Filters:
    stage: str | None = None
    owner: str | None = None
    overdue: bool | None = None
    q: str | None = None

    def where(self, query: Any, now: datetime, *, with_stage: bool = True) -> Any:
        if with_stage and self.stage is not None:
            query = query.where(col(Engagement.state) == self.stage)
        if self.owner is not None:
            query = query.where(col(Engagement.owner) == self.owner)
        if self.q:
            query = query.where(
                func.lower(col(Engagement.municipality)).contains(self.q.lower(), autoescape=True)
            )
        if self.overdue is True:
            query = query.where(col(Engagement.stage_due_at) < now)
        elif self.overdue is False:
            query = query.where(
                col(Engagement.stage_due_at).is_(None) | (col(Engagement.stage_due_at) >= now)
            )
        return query


def overview(
    session: Session, filters: Filters, now: datetime, *, limit: int, offset: int
) -> tuple[list[Engagement], int]:
    """Overdue first, then by deadline, engagements without a deadline (final) last.
    Ascending deadlines already put every overdue one (deadline < now) first, most
    overdue at the top, so one ORDER BY on the indexed column does both."""
    query = filters.where(select(Engagement), now)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = list(
        session.execute(
            query.order_by(
                col(Engagement.stage_due_at).is_(None),
                col(Engagement.stage_due_at),
                col(Engagement.id),
            )
            .limit(limit)
            .offset(offset)
        ).scalars()
    )
    for row in rows:  # read-only: keep them usable after the read unit of work ends
        session.expunge(row)
    return rows, int(total)


def stage_counts(session: Session, filters: Filters, now: datetime) -> dict[str, int]:
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


def messages(session: Session, engagement_id: int, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.execute(
            select(OutboxMessage)
            .where(col(OutboxMessage.engagement_id) == engagement_id)
            .order_by(col(OutboxMessage.id).desc())
            .limit(limit)
        ).scalars()
    )
