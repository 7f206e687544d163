"""The milestone sweeps: a reminder to the contact before a milestone falls due, and an
escalation to FOKUS_SUPERVISOR_EMAILS once it is missed, then weekly while it stays
overdue: exactly like stage deadlines (service/engagements/reminders.py), over the rows
of `engagement_milestones`.

Each sweep selects due rows by an indexed column (`reminder_at`, `next_escalation_at`
≤ now) in bounded batches and handles each row in ONE write transaction: a conditional
UPDATE that advances the column only if it still holds the value that was read, plus
the outbox insert with a deterministic dedupe key. Several processes, a restart or a
retried run therefore mail nothing twice; a service that was down sends one message on
start, not one per missed interval."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col

from service.core.context import Context
from service.core.sweep import Sweep
from service.engagements.escalations import escalate
from service.engagements.models import Engagement
from service.engagements.reminders import (
    BATCH_SIZE,
    MAX_BATCHES_PER_RUN,
    SweepResult,
    claim,
    next_escalation,
    run_due,
    same,
)
from service.mail.common import common_context
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.milestones.models import EngagementMilestone
from service.milestones.service import overdue_item
from workflows import calendar
from workflows.definition import Milestone, Process

log = logging.getLogger("fokus.milestones")


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _loaded(
    session: Session, ctx: Context, row: EngagementMilestone
) -> tuple[Engagement, Process, Milestone] | None:
    """The engagement and the milestone's definition; None when the engagement is final
    or its process version no longer has the milestone (nothing to mail)."""
    engagement = session.get(Engagement, row.engagement_id)
    if engagement is None:
        return None
    process = ctx.process_of(engagement.process, engagement.process_version)
    if process.is_final(engagement.state):
        return None
    for milestone in process.milestones:
        if milestone.name == row.name:
            return engagement, process, milestone
    return None


# --- reminders -------------------------------------------------------------------


def _remind_one(
    session: Session, ctx: Context, row_id: int, read_at: datetime, now: datetime
) -> SweepResult:
    row = session.get(EngagementMilestone, row_id)
    if row is None or row.reminder_at != read_at:
        return SweepResult()
    due = row.due_at
    guards = [
        same(EngagementMilestone.reminder_at, read_at),
        col(EngagementMilestone.due_at) == due,
    ]
    if not claim(session, row_id, guards, {"reminder_at": None}, model=EngagementMilestone):
        return SweepResult()
    found = _loaded(session, ctx, row)
    if found is None or row.done_at is not None or due <= now:
        # done, final, or the due date passed unswept: the escalation speaks for it now
        return SweepResult(claimed=1)
    engagement, process, milestone = found
    language = engagement.language
    tz = ctx.settings.tz
    context = {
        **common_context(ctx, language),
        "recipient_name": engagement.contact_name,
        "municipality": engagement.municipality,
        "process_title": process.title(language),
        "milestone": milestone.label(language),
        "due_at": due.astimezone(tz),
        "working_days_left": calendar.working_days_between(
            now.astimezone(tz).date(), due.astimezone(tz).date(), engagement.federal_state
        ),
        "owner": engagement.owner,
    }
    message = enqueue(
        session,
        ctx,
        kind="milestone_reminder",
        to=address(engagement.contact_name, engagement.contact_email),
        rendered=render("milestone_reminder", language, context),
        engagement_id=engagement.id,
        dedupe_key=f"milestone_reminder:{engagement.id}:{row.name}:{_ts(due)}",
    )
    return SweepResult(claimed=1, queued=int(message))


def sweep_milestone_reminders(
    ctx: Context, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES_PER_RUN
) -> SweepResult:
    return run_due(
        ctx,
        EngagementMilestone.reminder_at,
        _remind_one,
        ctx.clock.now(),
        batch_size,
        max_batches,
        id_column=EngagementMilestone.id,
    )


# --- escalations -----------------------------------------------------------------


def _escalate_one(
    session: Session, ctx: Context, row_id: int, read_at: datetime, now: datetime
) -> SweepResult:
    row = session.get(EngagementMilestone, row_id)
    if row is None or row.next_escalation_at != read_at:
        return SweepResult()
    due = row.due_at
    guards: list[ColumnElement[bool]] = [
        same(EngagementMilestone.next_escalation_at, read_at),
        col(EngagementMilestone.escalation_count) == row.escalation_count,
        col(EngagementMilestone.due_at) == due,
    ]
    found = _loaded(session, ctx, row)
    if found is None or row.done_at is not None:
        claim(session, row_id, guards, {"next_escalation_at": None}, model=EngagementMilestone)
        return SweepResult()
    if due > now:  # not overdue (yet): wait for the due date itself
        claim(session, row_id, guards, {"next_escalation_at": due}, model=EngagementMilestone)
        return SweepResult()
    number = row.escalation_count + 1
    values = {"next_escalation_at": next_escalation(read_at, now), "escalation_count": number}
    if not claim(session, row_id, guards, values, model=EngagementMilestone):
        return SweepResult()
    engagement, process, milestone = found
    recipients = ctx.settings.supervisor_emails
    if not recipients:
        log.warning(
            "milestone %s of engagement %s is overdue but FOKUS_SUPERVISOR_EMAILS is empty",
            row.name,
            engagement.id,
        )
        return SweepResult(claimed=1)
    language = ctx.settings.language
    late = overdue_item(engagement, due, now, ctx.settings.tz, "milestone", row.name)
    base_key = f"milestone_escalation:{engagement.id}:{row.name}:{_ts(due)}:{number}"
    about = {"process_title": process.title(language), "milestone": milestone.label(language)}
    queued = escalate(
        session, ctx, "milestone_escalation", engagement, late, number, about, base_key
    )
    return SweepResult(claimed=1, queued=queued)


def sweep_milestone_escalations(
    ctx: Context, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES_PER_RUN
) -> SweepResult:
    return run_due(
        ctx,
        EngagementMilestone.next_escalation_at,
        _escalate_one,
        ctx.clock.now(),
        batch_size,
        max_batches,
        id_column=EngagementMilestone.id,
    )


def sweep_all(ctx: Context) -> SweepResult:
    total = SweepResult()
    for sweep in (sweep_milestone_reminders, sweep_milestone_escalations):
        total.add(sweep(ctx))
    return total


SWEEPS: list[Sweep] = [
    Sweep("milestone_reminders", sweep_milestone_reminders),
    Sweep("milestone_escalations", sweep_milestone_escalations),
]
