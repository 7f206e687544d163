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
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from service.core import translations
from service.core.context import Context
from service.core.errors import Conflict, Invalid, NotFound
from service.engagements import history
from service.engagements.models import Engagement
from service.mail.common import common_context
from service.mail.ics import CalendarEntry, build_ics
from service.mail.letters import owner_address
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.mail.tokens import rsvp_url
from service.participants.models import Participant
from service.workshops import auto_reminders, capacity
from service.workshops.models import Invitation, Workshop

log = logging.getLogger("fokus.invitations")


def when(starts_at: datetime, ends_at: datetime, language: str) -> tuple[str, str]:
    """('Dienstag, 10. März 2026', '17:00–20:00 Uhr') in the given (local) times."""
    day = translations.language(language).long_date(starts_at)
    hours = f"{starts_at:%H:%M}–{ends_at:%H:%M}" + ("" if language == "en" else " Uhr")
    if ends_at.date() != starts_at.date():
        hours = f"{starts_at:%H:%M} – {ends_at:%d.%m.%Y %H:%M}"
    return day, hours


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
    last mail they got): attached to each mail and offered on the RSVP page."""
    tz = ctx.settings.tz
    agenda = f"\n\n{workshop.agenda}" if workshop.agenda else ""
    description = (
        f"{workshop.title} – {engagement.municipality}{agenda}\n\nIhre Antwort: {link}"
        if language == "de"
        else f"{workshop.title} – {engagement.municipality}{agenda}\n\nYour answer: {link}"
    )
    ics = build_ics(
        CalendarEntry(
            uid=workshop.uid,
            sequence=workshop.sequence,
            title=f"{workshop.title} ({engagement.municipality})",
            starts_at=workshop.starts_at,
            ends_at=workshop.ends_at,
            location=workshop.location,
            organizer_name=ctx.settings.mail_from_name,
            organizer_email=ctx.settings.mail_from,
            attendee_name=participant.name,
            attendee_email=participant.email,
            description=description,
            url=None if method == "CANCEL" else link,
            stamp=ctx.clock.now(),
        ),
        tz,
        method=method,
    )
    return ics


def _queue(
    session: Session,
    ctx: Context,
    *,
    kind: str,
    method: str,
    workshop: Workshop,
    engagement: Engagement,
    invitation: Invitation,
    participant: Participant,
    dedupe_key: str,
    reason: str | None = None,
) -> bool:
    language = participant.language or engagement.language
    context = letter_context(ctx, workshop, engagement, invitation, participant)
    link = context["rsvp_url"]
    rendered = render(kind, language, {**context, "reason": reason})
    ics = calendar_entry(ctx, workshop, engagement, participant, link, method, language)
    queued = enqueue(
        session,
        ctx,
        kind=kind,
        to=address(participant.name, participant.email),
        rendered=rendered,
        engagement_id=engagement.id,
        participant_id=participant.id,
        dedupe_key=dedupe_key,
        ics=ics,
        ics_method=method,
        reply_to=owner_address(engagement),
    )
    return queued


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
    assert invitation.id is not None
    language = participant.language or engagement.language
    tz = ctx.settings.tz
    starts, ends = workshop.starts_at.astimezone(tz), workshop.ends_at.astimezone(tz)
    day, hours = when(starts, ends, language)
    return {
        **common_context(ctx, language),
        "recipient_name": participant.name,
        "recipient_salutation": participant.salutation,
        "signer": engagement.owner,
        "municipality": engagement.municipality,
        "agenda": workshop.agenda,
        "title": workshop.title,
        "day": day,
        "hours": hours,
        "location": workshop.location,
        "rsvp_url": rsvp_url(ctx, invitation.id, invitation.nonce),
        "rsvp": invitation.rsvp,
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
    return _queue(
        session,
        ctx,
        kind=kind,
        method="REQUEST",
        workshop=workshop,
        engagement=_engagement(session, workshop),
        invitation=invitation,
        participant=participant,
        dedupe_key=dedupe_key,
    )


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
    query = select(Participant).where(col(Participant.engagement_id) == engagement.id)
    if participant_ids is not None:
        wanted = sorted(set(participant_ids))
        query = query.where(col(Participant.id).in_(wanted))
    participants = list(session.execute(query.order_by(col(Participant.id))).scalars())
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
    queued = 0
    for participant in participants:
        if participant.id in invited:
            continue
        assert participant.id is not None
        invitation = Invitation(
            workshop_id=workshop_id,
            participant_id=participant.id,
            nonce=secrets.token_urlsafe(12),
            created_at=now,
        )
        session.add(invitation)
        session.flush()
        if _queue(
            session,
            ctx,
            kind="invitation",
            method="REQUEST",
            workshop=workshop,
            engagement=engagement,
            invitation=invitation,
            participant=participant,
            dedupe_key=f"invitation:{workshop.id}:p{participant.id}",
        ):
            queued += 1
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
    queued = 0
    for invitation, participant in rows:
        if _queue(
            session,
            ctx,
            kind=kind,
            method=method,
            workshop=workshop,
            engagement=engagement,
            invitation=invitation,
            participant=participant,
            dedupe_key=f"{kind}:{workshop.id}:s{workshop.sequence}:p{participant.id}",
            reason=reason,
        ):
            queued += 1
    return queued


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
