"""The letters about a workshop to its invitees, queued many at once (issue 16).

Invitations, updates and cancellations go to every invitee of a workshop: 10 000 at a
time in the benchmark. Per invitee they differ only in the salutation, the RSVP link
and the calendar entry's ATTENDEE/DESCRIPTION/URL lines, so everything else is made
once per call: the letter's shared context and subject per language, and the .ics of
this workshop version (`CalendarTemplate`). The rows go into the outbox in one multi-row
INSERT as template, language and parameters (service/mail/deferred.py): the dispatcher
renders the bodies when it sends, with the same templates and values as before. What
stays per invitee is a small dict, a signed link and three calendar lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.core import translations
from service.core.context import Context
from service.engagements.models import Engagement
from service.mail.common import common_context
from service.mail.deferred import encode
from service.mail.ics import CalendarEntry, CalendarTemplate
from service.mail.letters import owner_address
from service.mail.outbox import address, enqueue_many, message_ids
from service.mail.render import render_subject
from service.mail.tokens import rsvp_url
from service.workshops.models import Workshop


@dataclass(frozen=True)
class Invitee:
    """One invitation and its person, as a letter needs them."""

    invitation_id: int
    nonce: str
    rsvp: str
    participant_id: int
    name: str
    email: str
    language: str | None
    salutation: str | None


def when(starts_at: datetime, ends_at: datetime, language: str) -> tuple[str, str]:
    """('Dienstag, 10. März 2026', '17:00–20:00 Uhr') in the given (local) times."""
    day = translations.language(language).long_date(starts_at)
    hours = f"{starts_at:%H:%M}–{ends_at:%H:%M}" + ("" if language == "en" else " Uhr")
    if ends_at.date() != starts_at.date():
        hours = f"{starts_at:%H:%M} – {ends_at:%d.%m.%Y %H:%M}"
    return day, hours


def shared_context(
    ctx: Context, workshop: Workshop, engagement: Engagement, language: str
) -> dict[str, Any]:
    """What a letter about the workshop says to every invitee of one language."""
    tz = ctx.settings.tz
    day, hours = when(workshop.starts_at.astimezone(tz), workshop.ends_at.astimezone(tz), language)
    return {
        **common_context(ctx, language),
        "signer": engagement.owner,
        "municipality": engagement.municipality,
        "agenda": workshop.agenda,
        "title": workshop.title,
        "day": day,
        "hours": hours,
        "location": workshop.location,
    }


def personal_context(ctx: Context, invitee: Invitee) -> dict[str, Any]:
    """What differs from one invitee to the next: the salutation and the RSVP link."""
    return {
        "recipient_name": invitee.name,
        "recipient_salutation": invitee.salutation,
        "rsvp_url": rsvp_url(ctx, invitee.invitation_id, invitee.nonce),
        "rsvp": invitee.rsvp,
    }


def description(workshop: Workshop, engagement: Engagement, link: str, language: str) -> str:
    """The calendar entry's DESCRIPTION: the workshop, the agenda, the invitee's link."""
    agenda = f"\n\n{workshop.agenda}" if workshop.agenda else ""
    answer = "Ihre Antwort" if language == "de" else "Your answer"
    return f"{workshop.title} – {engagement.municipality}{agenda}\n\n{answer}: {link}"


def calendar_template(
    ctx: Context, workshop: Workshop, engagement: Engagement, method: str
) -> CalendarTemplate:
    """The workshop's .ics as it stands now (same UID, current SEQUENCE), once for all
    invitees: a cancellation carries no URL, an invitation or update their RSVP link."""
    entry = CalendarEntry(
        uid=workshop.uid,
        sequence=workshop.sequence,
        title=f"{workshop.title} ({engagement.municipality})",
        starts_at=workshop.starts_at,
        ends_at=workshop.ends_at,
        location=workshop.location,
        organizer_name=ctx.settings.mail_from_name,
        organizer_email=ctx.settings.mail_from,
        attendee_name="",
        attendee_email="",
        description="",
        url=None if method == "CANCEL" else "",
        stamp=ctx.clock.now(),
    )
    return CalendarTemplate(entry, ctx.settings.tz, method=method)


def queue_letters(
    session: Session,
    ctx: Context,
    workshop: Workshop,
    engagement: Engagement,
    invitees: Sequence[Invitee],
    *,
    kind: str,
    method: str,
    dedupe_key: Callable[[Invitee], str],
    reason: str | None = None,
) -> int:
    """Queues the letter `kind` (with the .ics, METHOD `method`) to each invitee in the
    caller's transaction; returns how many were newly queued (a dedupe key queued
    before writes nothing)."""
    if not invitees:
        return 0
    calendar = calendar_template(ctx, workshop, engagement, method)
    shared: dict[str, tuple[dict[str, Any], str]] = {}
    domain = ctx.settings.mail_from.rpartition("@")[2] or "localhost"
    ids = message_ids(kind, domain)
    reply_to = owner_address(engagement) or ctx.settings.reply_to
    rows = []
    for invitee in invitees:
        language = invitee.language or engagement.language
        if language not in shared:
            context = {**shared_context(ctx, workshop, engagement, language), "reason": reason}
            shared[language] = (context, render_subject(kind, language, context))
        context, subject = shared[language]
        params = {**context, **personal_context(ctx, invitee)}
        link = params["rsvp_url"]
        ics = calendar.for_invitee(
            invitee.name,
            invitee.email,
            description(workshop, engagement, link, language),
            None if method == "CANCEL" else link,
        )
        rows.append(
            {
                "kind": kind,
                "engagement_id": engagement.id,
                "participant_id": invitee.participant_id,
                "dedupe_key": dedupe_key(invitee),
                "to_addr": address(invitee.name, invitee.email),
                "reply_to": reply_to,
                "subject": subject,
                "template": kind,
                "language": language,
                "params": encode(params),
                "ics": ics,
                "ics_method": method,
                "message_id": next(ids),
            }
        )
    return enqueue_many(session, ctx, rows)
