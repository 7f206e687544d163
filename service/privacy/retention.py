"""The retention sweep: participants' personal data of engagements that have been final
(completed, rejected, withdrawn: whatever the engagement's process version marks final)
for longer than FOKUS_RETENTION_MONTHS is erased.

"Final since" is the engagement's last transition (`stage_entered_at`: the step into its
final stage). Due engagements are found by the database: a final stage, entered before
the cutoff, and still with participants, so an engagement done once drops out of the
query by itself and a run costs nothing when nothing is due.

Each engagement is handled in ONE write transaction that first wins it with a
conditional UPDATE (`updated_at` still as read, the ARCHITECTURE rule for sweeps): with two
replicas sweeping at once, one erases and records the history entry, the other changes
nothing. The engagement's case file stays (the funding record); only its participants go,
as `DELETE /participants/{id}` would, their names scrubbed from that engagement's texts
and their mail's delivery records emptied. The contact person stays: the municipality's
office, the addressee of the funding record (docs/privacy.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlmodel import Session, col

from service.core.context import Context
from service.engagements import history
from service.engagements.models import Engagement
from service.engagements.reminders import claim, same
from service.participants.models import Participant
from service.privacy import scrub
from service.privacy.people import Person
from service.workshops import service as workshops
from workflows.calendar import add_months

log = logging.getLogger("fokus.privacy")

BATCH_SIZE = 100
MAX_BATCHES_PER_RUN = 10
ACTOR = "fokus (Aufbewahrungsfrist / retention)"


@dataclass
class RetentionResult:
    engagements: int = 0
    participants: int = 0


def cutoff(ctx: Context, now: datetime) -> datetime:
    """Final before this instant: final for longer than FOKUS_RETENTION_MONTHS."""
    local = now.astimezone(ctx.settings.tz)
    day = add_months(local.date(), -ctx.settings.retention_months)
    return datetime.combine(day, local.timetz()).astimezone(UTC)


def _final_states(ctx: Context) -> list[str]:
    return sorted({s for p in ctx.registry.all() for s in p.final_states})


def due(session: Session, ctx: Context, before: datetime, limit: int) -> list[int]:
    has_participants = exists().where(col(Participant.engagement_id) == col(Engagement.id))
    query = (
        select(col(Engagement.id))
        .where(
            col(Engagement.state).in_(_final_states(ctx)),
            col(Engagement.stage_entered_at) <= before,
            has_participants,
        )
        .order_by(col(Engagement.stage_entered_at), col(Engagement.id))
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def erase_participants(session: Session, ctx: Context, engagement: Engagement) -> int:
    """Deletes the engagement's participants and scrubs them from its texts and mail;
    returns how many. The caller holds the engagement (its transaction)."""
    eid = engagement.id
    assert eid is not None
    rows = session.execute(select(Participant).where(col(Participant.engagement_id) == eid))
    participants = [(p.id, p.email, p.name) for p in rows.scalars().all()]
    for pid, email, name in participants:
        assert pid is not None
        person = Person(email, {name})
        scrub.mail(session, person, [pid], engagement_id=eid)
        workshops.forget_participant(session, pid)  # a closed case: nobody moves up
        history.forget_participant(session, eid, pid)
        scrub.everywhere(session, person, engagement_id=eid)
        found = session.get(Participant, pid)
        if found is not None:
            session.delete(found)
        session.flush()
    return len(participants)


def _one(ctx: Context, engagement_id: int, before: datetime, now: datetime) -> int:
    with ctx.db.write() as session:
        engagement = session.get(Engagement, engagement_id)
        if engagement is None:
            return 0
        process = ctx.process_of(engagement.process, engagement.process_version)
        if not process.is_final(engagement.state) or engagement.stage_entered_at > before:
            return 0
        guards = [same(Engagement.updated_at, engagement.updated_at)]
        if not claim(session, engagement_id, guards, {"updated_at": now}):
            return 0  # another replica has it
        session.refresh(engagement)
        count = erase_participants(session, ctx, engagement)
        if count:
            history.record_change(
                session, engagement_id, "engagement", "retention", ACTOR, {"count": count}, at=now
            )
        return count


def sweep_retention(
    ctx: Context, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES_PER_RUN
) -> RetentionResult:
    now = ctx.clock.now()
    before = cutoff(ctx, now)
    result = RetentionResult()
    seen: set[int] = set()
    for _ in range(max_batches):
        if ctx.stopping.is_set():
            break
        with ctx.db.read() as session:
            ids = [i for i in due(session, ctx, before, batch_size) if i not in seen]
        if not ids:
            break
        for eid in ids:
            if ctx.stopping.is_set():
                break
            seen.add(eid)
            count = _one(ctx, eid, before, now)
            if count:
                result.engagements += 1
                result.participants += count
    if result.engagements:
        log.info(
            "retention: erased %d participants of %d engagements",
            result.participants,
            result.engagements,
        )
    return result
