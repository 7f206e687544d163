"""Loads the plain facts the process guards look at, for one or many engagements, in
a fixed number of queries (not one per engagement)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlmodel import Session, col

from service.engagements.models import Engagement
from service.errors import NotFound
from service.measures.models import Measure
from service.participants.models import Participant
from service.workshops.models import Workshop
from workflows.engine import Facts

STARTED_STATUSES = ("in_progress", "completed")


def load_facts(session: Session, states: dict[int, str], now: datetime) -> dict[int, Facts]:
    """`states` maps engagement id to current state; returns their facts."""
    facts = {eid: Facts(state=state) for eid, state in states.items()}
    if not facts:
        return facts
    ids = list(facts)
    participant_eid = col(Participant.engagement_id)
    for eid, count in session.execute(
        select(participant_eid, func.count())
        .where(participant_eid.in_(ids))
        .group_by(participant_eid)
    ):
        facts[eid].participant_count = count
    workshop_eid = col(Workshop.engagement_id)
    for eid, count in session.execute(
        select(workshop_eid, func.count())
        .where(
            workshop_eid.in_(ids),
            col(Workshop.ends_at) <= now,
            col(Workshop.cancelled_at).is_(None),
        )
        .group_by(workshop_eid)
    ):
        facts[eid].ended_workshop_count = count
    measure_eid = col(Measure.engagement_id)
    started = func.sum(case((col(Measure.status).in_(STARTED_STATUSES), 1), else_=0))
    for eid, total, started_count in session.execute(
        select(measure_eid, func.count(), started).where(measure_eid.in_(ids)).group_by(measure_eid)
    ):
        facts[eid].measure_count = total
        facts[eid].started_measure_count = int(started_count or 0)
    return facts


def _counts_for_one(engagement_id: Any, now: Any) -> list[Any]:
    """The four guard counts of one engagement as scalar subqueries, so that the
    engagement and its facts come back in one round trip."""
    started = func.sum(case((col(Measure.status).in_(STARTED_STATUSES), 1), else_=0))
    return [
        select(func.count())
        .where(col(Participant.engagement_id) == engagement_id)
        .scalar_subquery()
        .label("participant_count"),
        select(func.count())
        .where(
            col(Workshop.engagement_id) == engagement_id,
            col(Workshop.ends_at) <= now,
            col(Workshop.cancelled_at).is_(None),
        )
        .scalar_subquery()
        .label("ended_workshop_count"),
        select(func.count())
        .where(col(Measure.engagement_id) == engagement_id)
        .scalar_subquery()
        .label("measure_count"),
        select(started)
        .where(col(Measure.engagement_id) == engagement_id)
        .scalar_subquery()
        .label("started_measure_count"),
    ]


# built once: SQLAlchemy then reuses the compiled statement from its cache
# populate_existing: several transitions of one group commit share a session, and each
# must see the row as the previous one left it
_ONE = (
    select(Engagement, *_counts_for_one(bindparam("eid"), bindparam("now")))
    .where(col(Engagement.id) == bindparam("eid"))
    .execution_options(populate_existing=True)
)


def load_one(session: Session, engagement_id: int, now: datetime) -> tuple[Engagement, Facts]:
    """One engagement and its facts in one query (the transition's hot path)."""
    row = session.execute(_ONE, {"eid": engagement_id, "now": now}).first()
    if row is None:
        raise NotFound(f"engagement {engagement_id} not found")
    engagement, participants, workshops, measures, started = row
    facts = Facts(
        state=engagement.state,
        participant_count=participants or 0,
        ended_workshop_count=workshops or 0,
        measure_count=measures or 0,
        started_measure_count=int(started or 0),
    )
    return engagement, facts
