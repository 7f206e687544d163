"""Loads the plain facts the process guards look at, for one or many engagements, in
a fixed number of queries (not one per engagement)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlmodel import Session, col

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
