"""Participants: recorded per engagement, erased on request (GDPR Art. 17)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from service.core.context import Context
from service.core.errors import Conflict, NotFound
from service.engagements import history
from service.engagements.service import get as get_engagement
from service.mail import outbox
from service.participants.models import Participant
from service.participants.schemas import ParticipantCreate, ParticipantPatch
from service.workshops import service as workshops


def create(
    session: Session, ctx: Context, engagement_id: int, data: ParticipantCreate, actor: str
) -> Participant:
    engagement = get_engagement(session, engagement_id)
    email = data.email.lower()  # one person, however they typed their address
    duplicate = session.execute(
        select(col(Participant.id)).where(
            Participant.engagement_id == engagement_id,  # type: ignore[arg-type]
            Participant.email == email,  # type: ignore[arg-type]
        )
    ).first()
    if duplicate is not None:
        raise Conflict(
            "participant_duplicate",
            email=email,
            engagement=engagement_id,
            extra={"participant_id": duplicate[0]},
        )
    participant = Participant(
        engagement_id=engagement_id,
        name=data.name,
        email=email,
        organisation=data.organisation or None,
        role=data.role or None,
        language=data.language or engagement.language,
        salutation=data.salutation,
        created_at=ctx.clock.now(),
    )
    session.add(participant)
    session.flush()
    named = {"name": participant.name}
    at, pid = participant.created_at, participant.id
    history.record_change(
        session, engagement_id, "participant", "added", actor, named, at=at, subject_id=pid
    )
    return participant


def change(
    session: Session, ctx: Context, participant_id: int, data: ParticipantCreate, actor: str
) -> Participant:
    """Corrects name, address, organisation, role and salutation (the whole record, as
    the form shows it; a language not sent stays). Another participant of the engagement with the
    new address: 409, as on create. Invitations and answers stay the person's; mail
    already queued keeps the address it was written to. What changed goes into the
    history (nothing when nothing changed)."""
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("participant_not_found", participant=participant_id)
    email = data.email.lower()
    duplicate = session.execute(
        select(col(Participant.id)).where(
            col(Participant.engagement_id) == participant.engagement_id,
            col(Participant.email) == email,
            col(Participant.id) != participant_id,
        )
    ).first()
    if duplicate is not None:
        raise Conflict(
            "participant_duplicate",
            email=email,
            engagement=participant.engagement_id,
            extra={"participant_id": duplicate[0]},
        )
    after = {
        "name": data.name,
        "email": email,
        "organisation": data.organisation or None,
        "role": data.role or None,
        "language": data.language or participant.language,
        "salutation": data.salutation,
    }
    changed = history.fields_changed(participant.model_dump(), after)
    if not changed:
        return participant
    for field, value in after.items():
        setattr(participant, field, value)
    session.add(participant)
    session.flush()
    details = {"name": participant.name, "fields": changed}
    history.record_change(session, participant.engagement_id, "participant", "changed", actor,
                          details, at=ctx.clock.now(), subject_id=participant_id)  # fmt: skip
    return participant


def amend(
    session: Session, ctx: Context, participant_id: int, patch: ParticipantPatch, actor: str
) -> Participant:
    """PATCH: the fields sent replace the record's, the others stay; then as `change`
    (the same duplicate check and history entry)."""
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("participant_not_found", participant=participant_id)
    current = {
        "name": participant.name,
        "email": participant.email,
        "organisation": participant.organisation,
        "role": participant.role,
        "language": participant.language,
        "salutation": participant.salutation,
    }
    sent = patch.model_dump(include=patch.model_fields_set)
    # what is stored was checked when it was written (and normalised: an address
    # lowercased may no longer match the pattern), only what is sent is checked now
    data = ParticipantCreate.model_construct(**{**current, **sent})
    return change(session, ctx, participant_id, data, actor)


def list_for(session: Session, engagement_id: int) -> list[Participant]:
    get_engagement(session, engagement_id)
    return list(
        session.execute(
            select(Participant)
            .where(Participant.engagement_id == engagement_id)  # type: ignore[arg-type]
            .order_by(Participant.id)  # type: ignore[arg-type]
        ).scalars()
    )


def erase(session: Session, ctx: Context, participant_id: int, actor: str) -> None:
    """Deletes the person; each feature that holds something of theirs forgets it in the
    same transaction: the workshops their invitations, the outbox their unsent mail and
    the address and text of mail already sent (the delivery record stays, without them)."""
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("participant_not_found", participant=participant_id)
    workshops.forget_participant(session, participant_id, ctx=ctx, actor=actor)
    history.forget_participant(session, participant.engagement_id, participant_id)
    eid, now = participant.engagement_id, ctx.clock.now()
    history.record_change(
        session, eid, "participant", "removed", actor, at=now, subject_id=participant_id
    )
    outbox.forget_recipient(session, participant_id)
    session.delete(participant)
