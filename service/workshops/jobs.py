"""The automatic RSVP reminder sweep (issue 15): invitees who have not answered hear
once more, `FOKUS_RSVP_REMINDER_WORKING_DAYS` working days before the workshop.

Like the deadline sweeps (service/engagements/reminders.py): due workshops are selected
by the indexed `workshops.rsvp_reminder_at` ≤ now, and each is handled in ONE write
transaction that first claims it with a conditional UPDATE (clear the column only if it
still holds the value read) and then queues the reminders. Two replicas or a retried
run therefore remind nothing twice; a service that was down reminds once on start.
The mails are the manual reminder's (service/workshops/reminders.py) with the same
per-person-per-day dedupe key, so a manual reminder the same day adds nothing, and the
sweep adds nothing to one sent by hand earlier that day.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from service.core.context import Context
from service.core.errors import DomainError
from service.core.sweep import Sweep
from service.engagements.reminders import (
    BATCH_SIZE,
    MAX_BATCHES_PER_RUN,
    SweepResult,
    claim,
    run_due,
    same,
)
from service.workshops import reminders
from service.workshops.models import Workshop

log = logging.getLogger("fokus.invitations")

# who the history names for the reminders the sweep sends
ACTOR = "Fokus (automatisch)"


def _remind_one(
    session: Session, ctx: Context, workshop_id: int, read_at: datetime, now: datetime
) -> SweepResult:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None or workshop.rsvp_reminder_at != read_at:
        return SweepResult()
    guards = [same(Workshop.rsvp_reminder_at, read_at)]
    if not claim(session, workshop_id, guards, {"rsvp_reminder_at": None}, model=Workshop):
        return SweepResult()
    if workshop.starts_at <= now:  # swept too late: the workshop has begun
        return SweepResult(claimed=1)
    try:
        queued = reminders.remind(session, ctx, workshop_id, ACTOR)
    except DomainError as refused:  # cancelled, over, or its engagement is final
        log.info("no automatic reminder for workshop %s: %s", workshop_id, refused)
        return SweepResult(claimed=1)
    return SweepResult(claimed=1, queued=queued)


def sweep_rsvp_reminders(
    ctx: Context, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES_PER_RUN
) -> SweepResult:
    return run_due(
        ctx,
        Workshop.rsvp_reminder_at,
        _remind_one,
        ctx.clock.now(),
        batch_size,
        max_batches,
        id_column=Workshop.id,
    )


SWEEPS: list[Sweep] = [Sweep("rsvp_reminders", sweep_rsvp_reminders)]
