"""Read-only queries the dashboard needs beyond the feature services: the counts per
stage (the kept counters, or one GROUP BY under filters they are not kept by), a count
under filters (overdue, due soon) and the owners for the filter, in natural order."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlmodel import Session, col

from service.engagements import counts, listing, search
from service.engagements.filters import EngagementFilters, due_within_bounds
from service.engagements.models import Engagement
from workflows import calendar


def stage_counts(
    session: Session, filters: EngagementFilters, now: datetime, tz: ZoneInfo
) -> dict[str, int]:
    """Counts per stage under the same filters except the stage itself."""
    if listing.kept_by_counters(filters):
        return counts.per_stage(session, filters.process, listing.counted_firm(filters))
    query = filters.where(
        select(col(Engagement.state), func.count()).group_by(col(Engagement.state)),
        now,
        with_stage=False,
        tz=tz,
    )
    return {state: int(count) for state, count in session.execute(query)}


def count(session: Session, filters: EngagementFilters, now: datetime, tz: ZoneInfo) -> int:
    """How many engagements match (the overview's "3 überfällig"). "Due within N working
    days" is one bound per federal state: counted as a sum of one count per state, each a
    range of the (federal_state, stage_due_at) index, rather than one OR of sixteen
    branches, which SQLite answers by reading every row due after now."""
    if filters.due_within is None:
        query = filters.where(select(func.count()).select_from(Engagement), now, tz=tz)
        return int(session.execute(query).scalar_one())
    others = replace(filters, due_within=None)
    bounds = due_within_bounds(filters.due_within, now, tz)
    if others == EngagementFilters():  # the overview's own count: one statement, built once
        values = {"now": now, **{f"until_{code}": until for code, until in bounds.items()}}
        return int(session.execute(_due_soon_statement(), values).scalar_one())
    due, state = col(Engagement.stage_due_at), col(Engagement.federal_state)
    parts = [
        others.where(select(func.count()).select_from(Engagement), now, tz=tz)
        .where(state == code, due >= now, due <= until)
        .scalar_subquery()
        for code, until in bounds.items()
    ]
    return int(session.execute(select(sum(parts[1:], parts[0]))).scalar_one())


@lru_cache(maxsize=1)
def _due_soon_statement() -> Any:
    """The sum of one range count per federal state, with the bounds as parameters
    (`now`, `until_BY`, …): building sixteen subqueries cost more than running them."""
    due, state = col(Engagement.stage_due_at), col(Engagement.federal_state)
    parts = [
        select(func.count())
        .select_from(Engagement)
        .where(state == code, due >= bindparam("now"), due <= bindparam(f"until_{code}"))
        .scalar_subquery()
        for code in calendar.FEDERAL_STATES
    ]
    return select(sum(parts[1:], parts[0]))


def owners(session: Session, tenant: str | None = None, limit: int = 200) -> list[str]:
    """The owners for the filter in natural order: "Referent 2" before "Referent 10",
    "Ärzte" with the A's (the order key the owner column sorts by too). `tenant`: only
    owners of that firm's engagements (another firm's staff names are not shown); for
    everyone else a skip through the (owner_key, owner) index."""
    if tenant is None:
        return sorted(
            (owner for _, owner in counts.owners(session, limit) if owner), key=search.natural
        )
    query = (
        select(col(Engagement.owner_key), col(Engagement.owner))
        .where(col(Engagement.owner).is_not(None), col(Engagement.firm) == tenant)
        .distinct()
        .order_by(col(Engagement.owner_key), col(Engagement.owner))
        .limit(limit)
    )
    return sorted((owner for _, owner in session.execute(query) if owner), key=search.natural)


def firms(session: Session) -> list[str]:
    """Every firm that has an engagement, for the filter of those who see all firms."""
    query = select(col(Engagement.firm)).where(col(Engagement.firm).is_not(None)).distinct()
    return sorted(str(f) for f in session.execute(query).scalars())
