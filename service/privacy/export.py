"""GDPR Art. 15: everything stored about one email address, as data.

The address is matched case-insensitively, as a whole address (service/privacy/people.py).
What belongs to the person: their participant records (with the engagement, municipality
and firm), the engagements they are the contact person of, their invitations and answers,
the emails written to them (subject, status, dates: the text is the service's own letter),
portal links mailed to them, their accounts, and the history entries about their
participant records or that mention the address. Nothing found: 404, so an admin sees a
typo at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from service.accounts.models import User
from service.core.errors import NotFound
from service.engagements.history_words import details_of
from service.engagements.models import Engagement, HistoryEntry
from service.mail.models import OutboxMessage
from service.participants.models import Participant
from service.portal.models import PortalLink
from service.privacy import schemas
from service.privacy.people import Person, find
from service.workshops.models import Invitation, Workshop


def participants_of(session: Session, person: Person) -> list[tuple[Participant, Engagement]]:
    query = (
        select(Participant, Engagement)
        .join(Engagement, col(Engagement.id) == col(Participant.engagement_id))
        .where(col(Participant.email) == person.email)
        .order_by(col(Participant.id))
    )
    return [(p, e) for p, e in session.execute(query).all()]


def contact_of(session: Session, person: Person) -> list[Engagement]:
    query = select(Engagement).where(func.lower(col(Engagement.contact_email)) == person.email)
    return list(session.execute(query.order_by(col(Engagement.id))).scalars())


def messages_to(session: Session, person: Person, pids: list[int]) -> list[OutboxMessage]:
    """Mail to the person: written to one of their participant records, or addressed to
    them (the contact person's reminders, an account's letters, a supervisor's
    escalations)."""
    query = select(OutboxMessage).where(
        or_(col(OutboxMessage.participant_id).in_(pids), person.candidates(OutboxMessage.to_addr))
    )
    rows = session.execute(query.order_by(col(OutboxMessage.id))).scalars()
    return [m for m in rows if m.participant_id in pids or person.address_in(m.to_addr)]


def history_of(
    session: Session, person: Person, pids: list[int], eids: list[int]
) -> list[HistoryEntry]:
    """Entries about their participant records or their invitations' answers (in the
    engagements `eids` they take part in), and every entry that mentions the address (a
    note, a changed field, the actor)."""
    about_them = col(HistoryEntry.engagement_id).in_(eids) & col(HistoryEntry.subject).in_(
        ("participant", "invitation")
    )
    mention = or_(
        person.candidates(HistoryEntry.note),
        person.candidates(HistoryEntry.details),
        person.candidates(HistoryEntry.actor),
    )
    query = select(HistoryEntry).where(or_(about_them, mention))
    found = []
    for entry in session.execute(query.order_by(col(HistoryEntry.id))).scalars():
        details = details_of(entry)
        mine = (entry.subject == "participant" and entry.subject_id in pids) or (
            entry.subject == "invitation" and details.get("participant_id") in pids
        )
        if mine or any(person.address_in(t) for t in (entry.note, entry.details, entry.actor)):
            found.append(entry)
    return found


def export(session: Session, email: str) -> schemas.PersonExport:
    person = find(session, email)
    participants = participants_of(session, person)
    pids = [p.id for p, _ in participants if p.id is not None]
    invitations = session.execute(
        select(Invitation, Workshop, Participant)
        .join(Workshop, col(Workshop.id) == col(Invitation.workshop_id))
        .join(Participant, col(Participant.id) == col(Invitation.participant_id))
        .where(col(Invitation.participant_id).in_(pids))
        .order_by(col(Invitation.id))
    ).all()
    links = session.execute(
        select(PortalLink)
        .where(func.lower(col(PortalLink.email)) == person.email)
        .order_by(col(PortalLink.id))
    ).scalars()
    users = session.execute(
        select(User).where(func.lower(col(User.email)) == person.email).order_by(col(User.id))
    ).scalars()
    found: dict[str, list[Any]] = {
        "participants": [
            schemas.ExportedParticipant.model_validate(
                {**p.model_dump(), "municipality": e.municipality, "firm": e.firm}
            )
            for p, e in participants
        ],
        "contact_of": [
            schemas.ExportedContact.model_validate({**e.model_dump(), "engagement_id": e.id})
            for e in contact_of(session, person)
        ],
        "invitations": [
            schemas.ExportedInvitation.model_validate(
                {
                    **i.model_dump(),
                    "engagement_id": w.engagement_id,
                    "workshop_title": w.title,
                    "starts_at": w.starts_at,
                }
            )
            for i, w, _p in invitations
        ],
        "messages": [
            schemas.ExportedMessage.model_validate({**m.model_dump(), "to": m.to_addr})
            for m in messages_to(session, person, pids)
        ],
        "portal_links": [
            schemas.ExportedPortalLink.model_validate(ln.model_dump()) for ln in links
        ],
        "users": [schemas.ExportedUser.model_validate(u.model_dump()) for u in users],
        "history": [
            schemas.ExportedHistoryEntry.model_validate(h.model_dump())
            for h in history_of(session, person, pids, [e.id or 0 for _p, e in participants])
        ],
    }
    if not any(found.values()):
        raise NotFound("person_not_found", email=person.email)
    return schemas.PersonExport(email=person.email, names=sorted(person.names), **found)
