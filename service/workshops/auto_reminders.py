"""When the automatic RSVP reminder of a workshop falls due (issue 15).

08:00 local on the working day `FOKUS_RSVP_REMINDER_WORKING_DAYS` working days (of the
engagement's federal state) before the workshop's day, stored in
`workshops.rsvp_reminder_at` when the workshop is created or moved, so the sweep
(service/workshops/jobs.py) only compares timestamps. A workshop created or moved when
that moment has already passed gets none: its invitations are fresh, and a reminder
right after them would read as a mistake.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from service.core.context import Context
from service.engagements.models import Engagement
from service.engagements.schedule import REMINDER_TIME
from service.workshops.models import Workshop
from workflows import calendar


def due_at(session: Session, ctx: Context, workshop: Workshop) -> datetime | None:
    """See the module docstring; None for a cancelled workshop or one too close."""
    if workshop.cancelled_at is not None:
        return None
    engagement = session.get(Engagement, workshop.engagement_id)
    if engagement is None:  # pragma: no cover - the foreign key prevents it
        return None
    tz = ctx.settings.tz
    day = workshop.starts_at.astimezone(tz).date()
    days = ctx.settings.rsvp_reminder_working_days
    reminder_day = calendar.subtract_working_days(day, days, engagement.federal_state)
    at = datetime.combine(reminder_day, REMINDER_TIME, tzinfo=tz)
    if at <= ctx.clock.now() or at >= workshop.starts_at:
        return None
    return at
