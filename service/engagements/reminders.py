"""The deadline sweeps: reminders before a stage deadline, escalations after it, and the
funding-period warnings. Idempotent and safe with several processes on one database.

Each sweep selects due rows by an indexed "next due at" column (`reminder_at`,
`next_escalation_at`, `next_funding_warning_at` ≤ now), in bounded batches. For each
row it runs ONE write transaction: a conditional UPDATE that advances the due column
only if it still holds the value that was read (rowcount 1: this process won the row),
plus the outbox insert with a deterministic dedupe key. A second process, a restart or
a retried run therefore finds the column already advanced (or the key already queued)
and mails nothing. A service that was down over several due times sends one message on
start, not one per missed interval.

Recipients (docs/api.md): a reminder goes to the engagement's `contact_email` only;
escalations go to `FOKUS_SUPERVISOR_EMAILS`, one message per address. The staff `owner`
is free text (a name, not an address), so the funding warning goes to the contact and
to the staff side through `FOKUS_SUPERVISOR_EMAILS`, or to the owner directly when the
owner field holds an email address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlmodel import Session, col

from service.core import translations
from service.core.context import Context
from service.engagements import presenters, schedule
from service.engagements.escalations import escalate, recipient_key
from service.engagements.facts import STARTED_STATUSES
from service.engagements.models import Engagement
from service.engagements.service import definition
from service.mail.common import common_context
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.measures.models import Measure

log = logging.getLogger("fokus.deadlines")

BATCH_SIZE = 200
MAX_BATCHES_PER_RUN = 25  # at most 5 000 rows per run; the rest next interval
ESCALATION_INTERVAL = timedelta(weeks=1)
FUNDING_LABELS = ("8w", "2w")


@dataclass
class SweepResult:
    """What one run did: rows it won, and emails it queued."""

    claimed: int = 0
    queued: int = 0

    def add(self, other: SweepResult) -> None:
        self.claimed += other.claimed
        self.queued += other.queued


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _is_email(value: str | None) -> bool:
    if not value or any(c in value for c in " ,<>\r\n"):
        return False
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain


def claim(
    session: Session,
    row_id: int,
    guards: list[ColumnElement[bool]],
    values: dict[str, Any],
    *,
    model: Any = Engagement,
) -> bool:
    """The conditional UPDATE: true only if the row still looked as it did when read
    (`model`: the table swept, engagements or another with an `id`)."""
    result = session.execute(
        update(model)
        .where(col(model.id) == row_id, *guards)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def same(column: Any, value: datetime | None) -> ColumnElement[bool]:
    return col(column).is_(None) if value is None else col(column) == value


def _stage_label(ctx: Context, engagement: Engagement, language: str) -> str:
    return definition(ctx, engagement).stage(engagement.state).label(language)


def _final(ctx: Context, engagement: Engagement) -> bool:
    return definition(ctx, engagement).is_final(engagement.state)


def run_due(
    ctx: Context,
    column: Any,
    one: Any,
    now: datetime,
    batch_size: int,
    max_batches: int,
    *,
    id_column: Any = Engagement.id,
) -> SweepResult:
    """Selects due ids in batches (indexed column ≤ now) and handles each in its own
    write transaction; `one(session, ctx, engagement_id, read_value, now)`. Returns early
    once the process is stopping (`ctx.stopping`): the rows not handled stay due for the
    next run, so a long backlog never holds up a SIGTERM."""
    total = SweepResult()
    last: tuple[datetime, int] | None = None
    for _ in range(max_batches):
        if ctx.stopping.is_set():
            break
        with ctx.db.read() as session:
            query = select(col(id_column), col(column)).where(col(column) <= now)
            if last is not None:  # keyset: rows this run lost or skipped are not re-read
                query = query.where(
                    (col(column) > last[0])
                    | ((col(column) == last[0]) & (col(id_column) > last[1]))
                )
            rows = session.execute(
                query.order_by(col(column), col(id_column)).limit(batch_size)
            ).all()
        for engagement_id, due in rows:
            if ctx.stopping.is_set():
                break
            with ctx.db.write() as session:
                total.add(one(session, ctx, engagement_id, due, now))
        if len(rows) < batch_size:
            break
        last = (rows[-1][1], rows[-1][0])
    # no nudge here: each commit that queued mail wakes the dispatcher (outbox.enqueue)
    return total


# --- reminders -------------------------------------------------------------------


def _remind_one(
    session: Session, ctx: Context, engagement_id: int, read_at: datetime, now: datetime
) -> SweepResult:
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.reminder_at != read_at:
        return SweepResult()
    due = engagement.stage_due_at
    won = claim(
        session,
        engagement_id,
        [same(Engagement.reminder_at, read_at), same(Engagement.stage_due_at, due)],
        {"reminder_at": None},
    )
    if not won:
        return SweepResult()
    if due is None or due <= now or _final(ctx, engagement):
        # the deadline passed while nobody swept: the escalation speaks for it now
        return SweepResult(claimed=1)
    language = engagement.language
    seen = presenters.dates(engagement, definition(ctx, engagement), now, ctx.settings.tz)
    context = {
        **common_context(ctx, language),
        "recipient_name": engagement.contact_name,
        "municipality": engagement.municipality,
        "stage": _stage_label(ctx, engagement, language),
        "due_at": seen.due,
        "working_days_left": seen.working_days_left,
        "owner": engagement.owner,
    }
    message = enqueue(
        session,
        ctx,
        kind="reminder",
        to=address(engagement.contact_name, engagement.contact_email),
        rendered=render("reminder", language, context),
        engagement_id=engagement_id,
        dedupe_key=(
            f"reminder:{engagement_id}:{engagement.state}:"
            f"{_ts(engagement.stage_entered_at)}:{_ts(due)}"
        ),
    )
    return SweepResult(claimed=1, queued=int(message))


def sweep_reminders(
    ctx: Context, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES_PER_RUN
) -> SweepResult:
    now = ctx.clock.now()
    return run_due(ctx, Engagement.reminder_at, _remind_one, now, batch_size, max_batches)


# --- escalations -----------------------------------------------------------------


def next_escalation(scheduled: datetime, now: datetime) -> datetime:
    """The next weekly repeat after `now`, in the rhythm of the first escalation (so a
    process that was down for three weeks sends one now, not three)."""
    if scheduled > now:
        return scheduled
    missed = (now - scheduled) // ESCALATION_INTERVAL
    return scheduled + ESCALATION_INTERVAL * (missed + 1)


def _escalate_one(
    session: Session, ctx: Context, engagement_id: int, read_at: datetime, now: datetime
) -> SweepResult:
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.next_escalation_at != read_at:
        return SweepResult()
    due = engagement.stage_due_at
    guards = [
        same(Engagement.next_escalation_at, read_at),
        col(Engagement.escalation_count) == engagement.escalation_count,
        same(Engagement.stage_due_at, due),
    ]
    if due is None or _final(ctx, engagement):
        claim(session, engagement_id, guards, {"next_escalation_at": None})
        return SweepResult()
    if due > now:  # not overdue (yet): wait for the deadline itself
        claim(session, engagement_id, guards, {"next_escalation_at": due})
        return SweepResult()
    number = engagement.escalation_count + 1
    values = {"next_escalation_at": next_escalation(read_at, now), "escalation_count": number}
    if not claim(session, engagement_id, guards, values):
        return SweepResult()
    recipients = ctx.settings.supervisor_emails
    if not recipients:
        log.warning("engagement %s is overdue but FOKUS_SUPERVISOR_EMAILS is empty", engagement_id)
        return SweepResult(claimed=1)
    language = ctx.settings.language
    late = presenters.overdue_item(engagement, now, ctx.settings.tz)
    base_key = f"escalation:{engagement_id}:{_ts(engagement.stage_entered_at)}:{_ts(due)}:{number}"
    stage = {"stage": _stage_label(ctx, engagement, language)}
    queued = escalate(session, ctx, "escalation", engagement, late, number, stage, base_key)
    return SweepResult(claimed=1, queued=queued)


def sweep_escalations(
    ctx: Context, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES_PER_RUN
) -> SweepResult:
    now = ctx.clock.now()
    return run_due(ctx, Engagement.next_escalation_at, _escalate_one, now, batch_size, max_batches)


# --- funding-period warnings -----------------------------------------------------


def started_measures(session: Session, engagement_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Measure)
            .where(
                col(Measure.engagement_id) == engagement_id,
                col(Measure.status).in_(STARTED_STATUSES),
            )
        ).scalar_one()
    )


def _warn_one(
    session: Session, ctx: Context, engagement_id: int, read_at: datetime, now: datetime
) -> SweepResult:
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.next_funding_warning_at != read_at:
        return SweepResult()
    ends = engagement.funding_ends_at
    sent = engagement.funding_warnings_sent
    guards = [
        same(Engagement.next_funding_warning_at, read_at),
        col(Engagement.funding_warnings_sent) == sent,
    ]
    if ends is None or now >= ends or _final(ctx, engagement):
        claim(session, engagement_id, guards, {"next_funding_warning_at": None})
        return SweepResult()
    # the latest warning that is due; earlier ones missed during downtime are skipped
    due_index = max(
        (
            i
            for i in range(sent, len(schedule.FUNDING_WARNINGS))
            if ends - schedule.FUNDING_WARNINGS[i] <= now
        ),
        default=None,
    )
    if due_index is None:
        claim(
            session,
            engagement_id,
            guards,
            {"next_funding_warning_at": schedule.next_funding_warning(ends, sent)},
        )
        return SweepResult()
    values = {
        "funding_warnings_sent": due_index + 1,
        "next_funding_warning_at": schedule.next_funding_warning(ends, due_index + 1),
    }
    if not claim(session, engagement_id, guards, values):
        return SweepResult()
    if started_measures(session, engagement_id) > 0:
        return SweepResult(claimed=1)  # the programme's condition is met: nothing to warn of
    label = FUNDING_LABELS[due_index]
    tz = ctx.settings.tz
    local_end = ends.astimezone(tz)
    recipients: list[tuple[str, str, str, str]] = [
        (engagement.contact_name, engagement.contact_email, engagement.language, "contact")
    ]
    if _is_email(engagement.owner):
        assert engagement.owner is not None
        recipients.append((engagement.owner, engagement.owner, ctx.settings.language, "staff"))
    else:
        for supervisor in ctx.settings.supervisor_emails:
            recipients.append(
                (
                    translations.language(ctx.settings.language).staff_name,
                    supervisor,
                    ctx.settings.language,
                    "staff",
                )
            )
    queued = 0
    for name, email, language, role in recipients:
        context = {
            **common_context(ctx, language),
            "recipient_name": name,
            "municipality": engagement.municipality,
            "engagement_id": engagement_id,
            "funding_ends_at": local_end,
            "days_left": presenters.days_between(now, ends, tz),
            "weeks": 8 if label == "8w" else 2,
            "owner": engagement.owner,
            "for_staff": role == "staff",
        }
        message = enqueue(
            session,
            ctx,
            kind="funding_warning",
            to=address(None if role == "staff" and name == email else name, email),
            rendered=render("funding_warning", language, context),
            engagement_id=engagement_id,
            dedupe_key=f"funding_warning:{engagement_id}:{label}:{role}:{recipient_key(email)}",
        )
        queued += int(message)
    return SweepResult(claimed=1, queued=queued)


def sweep_funding_warnings(
    ctx: Context, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES_PER_RUN
) -> SweepResult:
    now = ctx.clock.now()
    return run_due(ctx, Engagement.next_funding_warning_at, _warn_one, now, batch_size, max_batches)


def sweep_all(ctx: Context) -> SweepResult:
    """All three, in the order a person would expect to hear of them."""
    total = SweepResult()
    for sweep in (sweep_reminders, sweep_escalations, sweep_funding_warnings):
        total.add(sweep(ctx))
    return total
