from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlmodel import Session, col

from service.core.context import Context
from service.core.errors import Invalid, NotFound
from service.core.timeutil import from_client, to_client
from service.engagements import history
from service.engagements.models import Engagement
from service.engagements.service import get as get_engagement
from service.participants.models import Participant
from service.workshops import auto_reminders, capacity, dates
from service.workshops.models import Invitation, Workshop
from service.workshops.schemas import InvitationPublic, WorkshopCreate, WorkshopPublic

RSVP_STATES = ("pending", "accepted", "waitlisted", "declined")


def create(
    session: Session, ctx: Context, engagement_id: int, data: WorkshopCreate, actor: str
) -> Workshop:
    get_engagement(session, engagement_id)
    tz = ctx.settings.tz
    starts = from_client(data.starts_at, tz, "starts_at")
    ends = from_client(data.ends_at, tz, "ends_at")
    if ends < starts:
        raise Invalid("workshop_ends_before_starts")
    now = ctx.clock.now()
    domain = ctx.settings.mail_from.rpartition("@")[2] or "localhost"
    workshop = Workshop(
        engagement_id=engagement_id,
        title=data.title,
        starts_at=starts,
        ends_at=ends,
        location=data.location,
        agenda=data.agenda or None,
        capacity=data.capacity,
        uid=f"workshop-{uuid.uuid4()}@{domain}",
        created_at=now,
        updated_at=now,
    )
    workshop.rsvp_reminder_at = auto_reminders.due_at(session, ctx, workshop)
    session.add(workshop)
    session.flush()
    details = {"name": workshop.title, "starts_at": starts}
    history.record_change(
        session, engagement_id, "workshop", "added", actor, details, at=now, subject_id=workshop.id
    )
    return workshop


def get(session: Session, workshop_id: int) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("workshop_not_found", workshop=workshop_id)
    return workshop


def list_for(session: Session, engagement_id: int) -> list[Workshop]:
    get_engagement(session, engagement_id)
    return list(
        session.execute(
            select(Workshop)
            .where(Workshop.engagement_id == engagement_id)  # type: ignore[arg-type]
            .order_by(Workshop.starts_at, Workshop.id)  # type: ignore[arg-type]
        ).scalars()
    )


def forget_participant(
    session: Session, participant_id: int, *, ctx: Context | None = None, actor: str = ""
) -> None:
    """Erasure of a participant, the workshops' part: their invitations (and with them
    their answers and RSVP links) are deleted. Runs in the caller's transaction. With
    `ctx`, a place they held goes to the first person on that workshop's waiting list
    (who is mailed, as after a decline)."""
    held = sorted(
        session.execute(
            select(col(Invitation.workshop_id)).where(
                col(Invitation.participant_id) == participant_id,
                col(Invitation.rsvp) == "accepted",
            )
        ).scalars()
    )
    for workshop_id in held:  # in id order, like every other lock taker: no deadlock
        capacity.lock(session, workshop_id)
    session.execute(delete(Invitation).where(col(Invitation.participant_id) == participant_id))
    if ctx is None:
        return
    for workshop_id in held:
        workshop = session.get(Workshop, workshop_id)
        if workshop is not None:
            capacity.fill(session, ctx, workshop, actor)


def day_warnings(session: Session, ctx: Context, workshop: Workshop) -> list[dates.DayWarning]:
    """Weekend and holiday warnings for the workshop's days (none once it is cancelled)."""
    engagement = session.get(Engagement, workshop.engagement_id)
    if engagement is None or workshop.cancelled_at is not None:
        return []
    return dates.warnings(
        workshop.starts_at, workshop.ends_at, engagement.federal_state, ctx.settings.tz
    )


def public(session: Session, ctx: Context, workshop: Workshop) -> WorkshopPublic:
    tz = ctx.settings.tz
    rows = session.execute(
        select(Invitation, Participant)
        .join(Participant, Participant.id == Invitation.participant_id)  # type: ignore[arg-type]
        .where(Invitation.workshop_id == workshop.id)  # type: ignore[arg-type]
        .order_by(Invitation.id)  # type: ignore[arg-type]
    ).all()
    assert workshop.id is not None
    places = capacity.positions(session, workshop.id)
    invitations = [
        InvitationPublic(
            id=inv.id,
            participant_id=p.id,
            name=p.name,
            email=p.email,
            rsvp=inv.rsvp,
            responded_at=to_client(inv.responded_at, tz),
            waitlist_position=places.get(inv.id) if inv.id is not None else None,
        )
        for inv, p in rows
    ]
    counts = {state: 0 for state in RSVP_STATES}
    found = day_warnings(session, ctx, workshop)
    for invitation in invitations:
        counts[invitation.rsvp] += 1
    return WorkshopPublic(
        id=workshop.id,
        engagement_id=workshop.engagement_id,
        title=workshop.title,
        starts_at=workshop.starts_at.astimezone(tz),
        ends_at=workshop.ends_at.astimezone(tz),
        location=workshop.location,
        agenda=workshop.agenda,
        capacity=workshop.capacity,
        uid=workshop.uid,
        sequence=workshop.sequence,
        cancelled=workshop.cancelled_at is not None,
        invitations=invitations,
        rsvp_counts=counts,
        warnings=[w.en for w in found],
        warnings_de=[w.de for w in found],
        created_at=workshop.created_at.astimezone(tz),
        updated_at=workshop.updated_at.astimezone(tz),
    )
