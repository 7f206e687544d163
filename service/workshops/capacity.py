"""Capacity and the waiting list of a workshop (issue 15).

    answer(session, ctx, invitation, value) -> str
        Records an invitee's answer (`accepted` | `declined`) and returns the one now on
        record. With a `capacity`, an acceptance beyond it is `waitlisted`; a decline of
        someone who had a place moves the first waiting person up (`accepted`) and mails
        them ("Sie sind nachgerückt"), exactly once.

    fill(session, ctx, workshop, actor) -> int
        Moves waiting people up while there is room (after a decline, or after the
        capacity was raised or removed); returns how many moved up.

    waitlist(session, workshop_id) -> list[Invitation]
        The waiting list in its order: who said yes first (`responded_at`, then the
        invitation's id for answers at the same instant) waits least.

Race safety: every change to a workshop's answers first locks the workshop's row
(`SELECT … FOR UPDATE` on PostgreSQL; on SQLite every write transaction already holds
the database's one write lock, BEGIN IMMEDIATE), then reads the answers afresh. So two
acceptances at once never both take the last place, and two declines at once move two
different people up: the second waits for the first to commit and sees its promotion.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from service.core.context import Context
from service.engagements import history
from service.participants.models import Participant
from service.workshops.models import Invitation, Workshop

log = logging.getLogger("fokus.invitations")

ANSWERS = ("accepted", "declined")
KIND = "waitlist_promoted"


def lock(session: Session, workshop_id: int) -> Workshop | None:
    """The workshop, locked for this transaction, with its answers read afresh."""
    session.execute(
        select(col(Workshop.id)).where(col(Workshop.id) == workshop_id).with_for_update()
    )
    return session.get(Workshop, workshop_id, populate_existing=True)


def accepted_count(session: Session, workshop_id: int) -> int:
    query = select(func.count()).where(
        col(Invitation.workshop_id) == workshop_id, col(Invitation.rsvp) == "accepted"
    )
    return int(session.execute(query).scalar_one())


def waitlist(session: Session, workshop_id: int) -> list[Invitation]:
    """See the module docstring."""
    query = (
        select(Invitation)
        .where(col(Invitation.workshop_id) == workshop_id, col(Invitation.rsvp) == "waitlisted")
        .order_by(col(Invitation.responded_at), col(Invitation.id))
        .execution_options(populate_existing=True)
    )
    return list(session.execute(query).scalars())


def positions(session: Session, workshop_id: int) -> dict[int, int]:
    """Invitation id → place on the waiting list (1 is next to move up)."""
    return {
        invitation.id: place
        for place, invitation in enumerate(waitlist(session, workshop_id), start=1)
        if invitation.id is not None
    }


def _has_room(session: Session, workshop: Workshop) -> bool:
    assert workshop.id is not None
    return workshop.capacity is None or accepted_count(session, workshop.id) < workshop.capacity


def answer(session: Session, ctx: Context, invitation: Invitation, value: str) -> str:
    """See the module docstring. Runs in the caller's write transaction; the caller has
    checked that the workshop is not cancelled and `value` is one of ANSWERS."""
    workshop = lock(session, invitation.workshop_id)
    assert workshop is not None and workshop.id is not None
    session.refresh(invitation)  # as committed before the lock was ours
    before = invitation.rsvp
    if value == before or (value == "accepted" and before == "waitlisted"):
        return before  # the same answer again keeps one's place
    now = ctx.clock.now()
    if value == "accepted":
        invitation.rsvp = "accepted" if _has_room(session, workshop) else "waitlisted"
    else:
        invitation.rsvp = "declined"
    if invitation.rsvp == "waitlisted":
        now = _after_the_last(session, workshop.id, now)
    invitation.responded_at = now
    session.add(invitation)
    session.flush()
    if before == "accepted" and invitation.rsvp == "declined":
        participant = session.get(Participant, invitation.participant_id)
        fill(session, ctx, workshop, participant.name if participant else "RSVP")
    return invitation.rsvp


def fill(session: Session, ctx: Context, workshop: Workshop, actor: str) -> int:
    """See the module docstring. The caller holds the workshop's lock (`lock`) or is the
    transaction that changed its capacity (which holds the row by its UPDATE)."""
    from service.workshops.invitations import notify_one  # the mail of one invitee

    assert workshop.id is not None
    if workshop.cancelled_at is not None or workshop.ends_at <= ctx.clock.now():
        return 0
    moved = 0
    for invitation in waitlist(session, workshop.id):
        if not _has_room(session, workshop):
            break
        invitation.rsvp = "accepted"
        session.add(invitation)
        session.flush()
        participant = session.get(Participant, invitation.participant_id)
        assert participant is not None and invitation.id is not None
        stamp = _micros(ctx.clock.now())
        notify_one(
            session,
            ctx,
            workshop,
            invitation,
            participant,
            kind=KIND,
            dedupe_key=f"{KIND}:{workshop.id}:i{invitation.id}:{stamp}",
        )
        details = {
            "name": workshop.title,
            "response": "promoted",
            "participant": participant.name,
            "participant_id": participant.id,
        }
        history.record_change(session, workshop.engagement_id, "invitation", "answered",
                              actor, details, at=ctx.clock.now(),
                              subject_id=invitation.id)  # fmt: skip
        moved += 1
    if moved:
        log.info("%d moved up from the waiting list of workshop %s", moved, workshop.id)
    return moved


def _after_the_last(session: Session, workshop_id: int, now: datetime) -> datetime:
    """`now`, or a microsecond after the last one waiting if that is not earlier: the
    list's order is the order the answers arrived in (under the lock), even when a clock
    gives two answers the same instant."""
    last = session.execute(
        select(func.max(col(Invitation.responded_at))).where(
            col(Invitation.workshop_id) == workshop_id, col(Invitation.rsvp) == "waitlisted"
        )
    ).scalar_one_or_none()
    if last is not None and last.tzinfo is None:  # SQLite hands back naive UTC
        last = last.replace(tzinfo=UTC)
    return now if last is None or last < now else last + timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)
