"""Reminding invitees who have not answered a workshop invitation yet.

    remind(session, ctx, workshop_id, actor) -> int
        Queues one reminder email to every invitee whose answer is still `pending`, with
        the same personal RSVP link as the invitation (no new token). A person is
        reminded at most once per workshop per local day (`FOKUS_TIMEZONE`): the outbox's
        `dedupe_key` holds workshop, participant and day, so a second call the same day
        (a double click, two officers) queues nothing for them and the count says so.
        Returns how many reminders were newly queued. Runs in the caller's transaction,
        never commits: the API and the dashboard call it in their unit of work.

Refused (409) for a workshop that is cancelled or over, and for an engagement that is
final (its case file is closed): a reminder to answer would make no sense there.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlmodel import Session, col

from service.core.context import Context
from service.core.errors import Conflict, NotFound
from service.engagements import history
from service.engagements.models import Engagement
from service.engagements.service import definition
from service.mail.letters import owner_address
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.participants.models import Participant
from service.workshops.invitations import letter_context
from service.workshops.models import Invitation, Workshop

log = logging.getLogger("fokus.invitations")

KIND = "rsvp_reminder"


def _open_workshop(session: Session, ctx: Context, workshop_id: int) -> tuple[Workshop, Engagement]:
    """The workshop and its engagement, if a reminder may go out for it."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("workshop_not_found", workshop=workshop_id)
    if workshop.cancelled_at is not None:
        raise Conflict("workshop_cancelled_remind", workshop_en=workshop_id)
    if workshop.ends_at <= ctx.clock.now():
        raise Conflict("workshop_over_remind", workshop_en=workshop_id)
    engagement = session.get(Engagement, workshop.engagement_id)
    if engagement is None:  # pragma: no cover - the foreign key prevents it
        raise NotFound("engagement_not_found", engagement=workshop.engagement_id)
    process = definition(ctx, engagement)
    if process.is_final(engagement.state):
        stage = process.stage(engagement.state).label("de")
        raise Conflict("reminder_final", stage_de=stage, state_en=engagement.state)
    return workshop, engagement


def pending(session: Session, workshop_id: int) -> list[tuple[Invitation, Participant]]:
    """The invitations of the workshop without an answer, with their invitees, in the
    order they were invited."""
    rows = session.execute(
        select(Invitation, Participant)
        .join(Participant, col(Participant.id) == col(Invitation.participant_id))
        .where(col(Invitation.workshop_id) == workshop_id, col(Invitation.rsvp) == "pending")
        .order_by(col(Invitation.id))
    ).all()
    return [(invitation, participant) for invitation, participant in rows]


def remind(session: Session, ctx: Context, workshop_id: int, actor: str) -> int:
    """See the module docstring."""
    workshop, engagement = _open_workshop(session, ctx, workshop_id)
    today = ctx.clock.now().astimezone(ctx.settings.tz).date().isoformat()
    queued = 0
    for invitation, participant in pending(session, workshop_id):
        language = participant.language or engagement.language
        context = letter_context(ctx, workshop, engagement, invitation, participant)
        if enqueue(
            session,
            ctx,
            kind=KIND,
            to=address(participant.name, participant.email),
            rendered=render(KIND, language, context),
            engagement_id=engagement.id,
            participant_id=participant.id,
            dedupe_key=f"{KIND}:{workshop_id}:p{participant.id}:{today}",
            reply_to=owner_address(engagement),
        ):
            queued += 1
    log.info("%s reminded %d invitees of workshop %s", actor, queued, workshop_id)
    if queued:
        details = {"name": workshop.title, "count": queued}
        history.record_change(session, workshop.engagement_id, "invitation", "reminded", actor,
                              details, at=ctx.clock.now(), subject_id=workshop_id)  # fmt: skip
    return queued
