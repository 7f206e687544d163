"""Workshop invitations, updates and cancellations: queued in the caller's transaction.

Entry points (used by the API and the dashboard alike; none of them commits):

    invite(session, ctx, workshop_id, participant_ids: list[int] | None, actor: str) -> int
        Invites the given participants of the workshop's engagement (None: all of
        them). One Invitation row and one email (with .ics METHOD:REQUEST and a personal
        signed RSVP link) per invitee; someone already invited is skipped, so inviting
        again never mails twice. Returns how many invitations were newly queued.

    reschedule(session, ctx, workshop_id, changes: dict[str, object], actor: str) -> Workshop
        Applies title/starts_at/ends_at/location/agenda/capacity changes (already
        validated, times in UTC); if anything but the capacity changed: SEQUENCE + 1 and
        an update (METHOD:REQUEST, same UID) to every invitee. A raised or removed
        capacity moves waiting people up (capacity.fill); a new start schedules the
        automatic reminder anew.

    cancel(session, ctx, workshop_id, actor: str, reason: str | None = None) -> Workshop
        Marks the workshop cancelled: SEQUENCE + 1 and METHOD:CANCEL to every invitee,
        with the reason in the mail when one is given. Cancelling again changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from service.core.context import Context
from service.core.errors import Conflict, Invalid, NotFound
from service.engagements import history
from service.engagements.models import Engagement
from service.participants.models import Participant
from service.workshops import auto_reminders, capacity
from service.workshops.mailing import (
    Invitee,
    calendar_template,
    description,
    personal_context,
    queue_letters,
    shared_context,
)
from service.workshops.models import Invitation, Workshop

log = logging.getLogger("fokus.invitations")


def _workshop(session: Session, workshop_id: int) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("workshop_not_found", workshop=workshop_id)
    return workshop


def _engagement(session: Session, workshop: Workshop) -> Engagement:
    engagement = session.get(Engagement, workshop.engagement_id)
    if engagement is None:  # pragma: no cover - the foreign key prevents it
        raise NotFound("engagement_not_found", engagement=workshop.engagement_id)
    return engagement


def _invitee(invitation: Invitation, participant: Participant) -> Invitee:
    assert invitation.id is not None and participant.id is not None
    return Invitee(
        invitation_id=invitation.id,
        nonce=invitation.nonce,
        rsvp=invitation.rsvp,
        participant_id=participant.id,
        name=participant.name,
        email=participant.email,
        language=participant.language,
        salutation=participant.salutation,
    )


def calendar_entry(
    ctx: Context,
    workshop: Workshop,
    engagement: Engagement,
    participant: Participant,
    link: str,
    method: str,
    language: str,
) -> bytes:
    """The workshop's .ics for one invitee as it stands now (same UID and SEQUENCE as the
    last mail they got): offered on the RSVP page, the same bytes the mail carries."""
    return calendar_template(ctx, workshop, engagement, method).for_invitee(
        participant.name,
        participant.email,
        description(workshop, engagement, link, language),
        None if method == "CANCEL" else link,
    )


def letter_context(
    ctx: Context,
    workshop: Workshop,
    engagement: Engagement,
    invitation: Invitation,
    participant: Participant,
) -> dict[str, Any]:
    """What every letter about a workshop to one invitee says (invitation, update,
    cancellation, reminder, moved up from the waiting list), in the invitee's language:
    the salutation, the signer, the workshop's day, hours and place, and the RSVP link."""
    language = participant.language or engagement.language
    return {
        **shared_context(ctx, workshop, engagement, language),
        **personal_context(ctx, _invitee(invitation, participant)),
    }


def notify_one(
    session: Session,
    ctx: Context,
    workshop: Workshop,
    invitation: Invitation,
    participant: Participant,
    *,
    kind: str,
    dedupe_key: str,
) -> bool:
    """One mail about the workshop to one invitee, with the calendar entry as it stands
    (METHOD:REQUEST, same UID): the waiting list's "Sie sind nachgerückt"."""
    engagement = _engagement(session, workshop)
    invitee = _invitee(invitation, participant)
    queued = queue_letters(session, ctx, workshop, engagement, [invitee], kind=kind,
                           method="REQUEST", dedupe_key=lambda _i: dedupe_key)  # fmt: skip
    return queued == 1


def invite(
    session: Session,
    ctx: Context,
    workshop_id: int,
    participant_ids: list[int] | None,
    actor: str,
) -> int:
    """See the module docstring. Raises NotFound (no such workshop, or a listed
    participant that is not one of the engagement's) or Conflict (cancelled or over)."""
    workshop = _workshop(session, workshop_id)
    if workshop.cancelled_at is not None:
        raise Conflict("workshop_cancelled_invite", workshop_en=workshop_id)
    if workshop.ends_at <= ctx.clock.now():
        raise Conflict("workshop_over", workshop_en=workshop_id)
    engagement = _engagement(session, workshop)
    # the columns a letter needs, not ORM objects: 10 000 of them cost more than the rest
    query = select(
        col(Participant.id), col(Participant.name), col(Participant.email),
        col(Participant.language), col(Participant.salutation),
    ).where(col(Participant.engagement_id) == engagement.id)  # fmt: skip
    if participant_ids is not None:
        wanted = sorted(set(participant_ids))
        query = query.where(col(Participant.id).in_(wanted))
    participants = session.execute(query.order_by(col(Participant.id))).all()
    if participant_ids is not None:
        found = {p.id for p in participants}
        missing = [pid for pid in sorted(set(participant_ids)) if pid not in found]
        if missing:  # well-formed ids that name no participant here: not found (404)
            if len(missing) == 1:
                raise NotFound("participant_ids_one", ids=missing, engagement=engagement.id)
            raise NotFound("participant_ids_many", ids=missing, engagement=engagement.id)
    invited = set(
        session.execute(
            select(col(Invitation.participant_id)).where(col(Invitation.workshop_id) == workshop.id)
        ).scalars()
    )
    now = ctx.clock.now()
    new = [p for p in participants if p.id not in invited]
    # one multi-row INSERT for the invitations (their ids come back for the RSVP links),
    # one for their mail (mailing.queue_letters): no flush and no render per invitee
    nonces = {p.id: secrets.token_urlsafe(12) for p in new}
    invitation_of: dict[int, int] = {}  # participant -> new invitation
    if new:
        made = session.connection().execute(
            insert(Invitation).returning(col(Invitation.id), col(Invitation.participant_id)),
            [
                {"workshop_id": workshop_id, "participant_id": pid, "nonce": nonce,
                 "rsvp": "pending", "created_at": now}
                for pid, nonce in nonces.items()
            ],
        )  # fmt: skip
        invitation_of = {pid: iid for iid, pid in made if iid is not None}
    invitees = [
        Invitee(invitation_id=invitation_of[p.id], nonce=nonces[p.id], rsvp="pending",
                participant_id=p.id, name=p.name, email=p.email, language=p.language,
                salutation=p.salutation)
        for p in new
    ]  # fmt: skip
    queued = queue_letters(
        session, ctx, workshop, engagement, invitees, kind="invitation", method="REQUEST",
        dedupe_key=lambda i: f"invitation:{workshop.id}:p{i.participant_id}",
    )  # fmt: skip
    if queued:
        details = {"name": workshop.title, "count": queued}
        history.record_change(session, workshop.engagement_id, "invitation", "invited", actor,
                              details, at=now, subject_id=workshop_id)  # fmt: skip
    log.info("%s invited %d to workshop %s", actor, queued, workshop_id)
    return queued


def _notify_all(
    session: Session,
    ctx: Context,
    workshop: Workshop,
    *,
    kind: str,
    method: str,
    reason: str | None = None,
) -> int:
    engagement = _engagement(session, workshop)
    rows = session.execute(
        select(Invitation, Participant)
        .join(Participant, col(Participant.id) == col(Invitation.participant_id))
        .where(col(Invitation.workshop_id) == workshop.id)
        .order_by(col(Invitation.id))
    ).all()
    invitees = [_invitee(invitation, participant) for invitation, participant in rows]
    return queue_letters(
        session, ctx, workshop, engagement, invitees, kind=kind, method=method, reason=reason,
        dedupe_key=lambda i: f"{kind}:{workshop.id}:s{workshop.sequence}:p{i.participant_id}",
    )  # fmt: skip


def reschedule(
    session: Session, ctx: Context, workshop_id: int, changes: dict[str, Any], actor: str
) -> Workshop:
    """See the module docstring. `changes` holds validated values (times aware, UTC)."""
    workshop = _workshop(session, workshop_id)
    if workshop.cancelled_at is not None:
        raise Conflict("workshop_cancelled_change", workshop_en=workshop_id)
    allowed = {"title", "starts_at", "ends_at", "location", "agenda", "capacity"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid("workshop_fields_unchangeable", fields=sorted(unknown))
    starts = changes.get("starts_at", workshop.starts_at)
    ends = changes.get("ends_at", workshop.ends_at)
    if ends < starts:
        raise Invalid("workshop_ends_before_starts")
    if "capacity" in changes:  # answers read under the workshop's lock (capacity.py)
        capacity.lock(session, workshop_id)
    changed = {k: v for k, v in changes.items() if getattr(workshop, k) != v}
    if not changed:
        return workshop
    before = {key: getattr(workshop, key) for key in changed}
    for key, value in changed.items():
        setattr(workshop, key, value)
    workshop.updated_at = ctx.clock.now()
    if "starts_at" in changed:
        workshop.rsvp_reminder_at = auto_reminders.due_at(session, ctx, workshop)
    # the capacity alone is the organisers' business: no calendar update for it
    mailed = set(changed) - {"capacity"}
    if mailed:
        workshop.sequence += 1
    session.add(workshop)
    session.flush()
    queued = 0
    if mailed:
        queued = _notify_all(session, ctx, workshop, kind="workshop_update", method="REQUEST")
    if "capacity" in changed:
        capacity.fill(session, ctx, workshop, actor)
    log.info("%s changed workshop %s (%s); %d updates queued", actor, workshop_id,
             ", ".join(sorted(changed)), queued)  # fmt: skip
    action = "rescheduled" if "starts_at" in changed else "changed"
    details = {"name": workshop.title, "fields": history.fields_changed(before, changed)}
    history.record_change(session, workshop.engagement_id, "workshop", action, actor, details,
                          at=workshop.updated_at, subject_id=workshop_id)  # fmt: skip
    return workshop


def cancel(
    session: Session, ctx: Context, workshop_id: int, actor: str, reason: str | None = None
) -> Workshop:
    """See the module docstring."""
    workshop = _workshop(session, workshop_id)
    if workshop.cancelled_at is not None:
        return workshop
    now = ctx.clock.now()
    workshop.cancelled_at = now
    workshop.rsvp_reminder_at = None  # nobody is reminded of a cancelled workshop
    workshop.sequence += 1
    workshop.updated_at = now
    session.add(workshop)
    session.flush()
    queued = _notify_all(
        session, ctx, workshop, kind="workshop_cancelled", method="CANCEL", reason=reason
    )
    log.info("%s cancelled workshop %s; %d cancellations queued", actor, workshop_id, queued)
    named = {"name": workshop.title}
    history.record_change(
        session, workshop.engagement_id, "workshop", "cancelled", actor, named, reason,
        at=now, subject_id=workshop_id,
    )  # fmt: skip
    return workshop
