"""Milestone use cases: the rows of an engagement's milestones, (re)computed from its
funding period whenever that changes, and read by the API, the overdue view and the
sweeps. Each runs inside the caller's transaction and never commits.

A milestone falls due at the end of its local day: funding start or end plus or minus
its months (Milestone.months_for: the Richtlinie's own value for the engagement's KRL
version, else the operator's setting, else the definition's), moved to the next working
day of the engagement's federal state when the municipality must meet it (§ 31 (3)
VwVfG), never when it is the end of the funding period itself (§ 31 (4) VwVfG). Its
reminder and escalation columns work exactly like a stage deadline's
(service/engagements/schedule.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    String,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlmodel import Session, col

from service.core.context import Context
from service.core.settings import Settings
from service.engagements import schedule
from service.engagements.models import Engagement
from service.engagements.presenters import local_day
from service.engagements.schemas import OverdueItem
from service.milestones.models import EngagementMilestone
from service.records.models import Record
from workflows import calendar
from workflows.definition import Milestone, Process, milestone_due


def months(milestone: Milestone, engagement: Engagement, settings: Settings) -> int:
    """The offset in months as it applies to this engagement."""
    configured = getattr(settings, milestone.months_setting) if milestone.months_setting else None
    return milestone.months_for(engagement.krl_version, configured)


def due_at(milestone: Milestone, engagement: Engagement, settings: Settings) -> datetime | None:
    """When the milestone falls due (end of its local day), or None while its anchor is
    not known (before the funding period is set)."""
    tz = settings.tz
    anchors = {
        "created": local_day(engagement.created_at, tz),
        "funding_start": local_day(engagement.funding_starts_at, tz),
        "funding_end": local_day(engagement.funding_ends_at, tz),
    }
    day = milestone_due(
        milestone, anchors, engagement.federal_state, months(milestone, engagement, settings)
    )
    return None if day is None else datetime.combine(day, calendar.END_OF_DAY, tzinfo=tz)


def _records_at(session: Session, engagement_id: int) -> dict[str, datetime]:
    """The first record of each kind the engagement has, by when it was recorded."""
    rows = session.execute(
        select(col(Record.kind), func.min(col(Record.created_at)))
        .where(col(Record.engagement_id) == engagement_id)
        .group_by(col(Record.kind))
    ).all()
    return {kind: at for kind, at in rows}


def rows_of(session: Session, engagement_id: int) -> dict[str, EngagementMilestone]:
    rows = session.execute(
        select(EngagementMilestone).where(col(EngagementMilestone.engagement_id) == engagement_id)
    ).scalars()
    return {row.name: row for row in rows}


def refresh(session: Session, ctx: Context, engagement: Engagement) -> None:
    """(Re)computes the engagement's milestone rows from its current dates, state and
    records: call it after the funding period, the state or a record changed. A milestone
    whose due date is unchanged keeps its reminder and escalation bookkeeping (so a
    transition never re-arms a reminder already sent); a new or moved due date gets a
    fresh reminder (FOKUS_REMINDER_WORKING_DAYS before) and its first escalation at the
    due date. Done milestones and final engagements are not swept."""
    process = ctx.process_of(engagement.process, engagement.process_version)
    if not process.milestones:
        return
    assert engagement.id is not None
    undated = engagement.funding_starts_at is None and engagement.funding_ends_at is None
    if undated and all(m.anchor != "created" for m in process.milestones):
        return  # nothing is dated yet, and no row can exist
    now = ctx.clock.now()
    settings = ctx.settings
    existing = rows_of(session, engagement.id)
    records = _records_at(session, engagement.id)
    final = process.is_final(engagement.state)
    for milestone in process.milestones:
        due = due_at(milestone, engagement, settings)
        row = existing.get(milestone.name)
        if due is None:
            if row is not None:
                session.delete(row)
            continue
        done = _done_at(milestone, engagement, row, records, now)
        if row is None:
            row = EngagementMilestone(engagement_id=engagement.id, name=milestone.name, due_at=due)
            session.add(row)
            rearm = True
        else:
            rearm = row.due_at != due or (row.done_at is not None and done is None)
        row.due_at = due
        row.done_at = done
        if done is not None or final:
            row.reminder_at = None
            row.next_escalation_at = None
        elif rearm:
            fields = schedule.deadline_fields(due, engagement.federal_state, settings, now)
            row.reminder_at = fields["reminder_at"]
            row.next_escalation_at = fields["next_escalation_at"]
            row.escalation_count = 0
    session.flush()


def _done_at(
    milestone: Milestone,
    engagement: Engagement,
    row: EngagementMilestone | None,
    records: dict[str, datetime],
    now: datetime,
) -> datetime | None:
    if milestone.done_by_record is not None and milestone.done_by_record in records:
        return records[milestone.done_by_record]
    if milestone.done_in_stages:
        if row is not None and row.done_at is not None:
            return row.done_at  # reaching the stage once is enough
        if engagement.state in milestone.done_in_stages:
            return now
    return None


# --- the overdue view: stage deadlines and milestones in one list ---------------------


def _final_states(ctx: Context) -> list[str]:
    return sorted({s for p in ctx.registry.all() for s in p.final_states})


def overdue_page(
    session: Session,
    ctx: Context,
    *,
    state: str | None,
    owner: str | None,
    limit: int,
    offset: int,
    tenant: str | None = None,
) -> tuple[list[OverdueItem], int]:
    """Overdue stage deadlines and overdue milestones of engagements that are not final,
    most overdue first (one ORDER BY over both, so paging and the total are right
    across both kinds); each side reads its own index on the due column. `tenant`: only
    that firm's engagements (service/auth/tenancy.py)."""
    now = ctx.clock.now()
    filters: list[ColumnElement[bool]] = []
    if tenant is not None:
        filters.append(col(Engagement.firm) == tenant)
    if state is not None:
        filters.append(col(Engagement.state) == state)
    if owner is not None:
        filters.append(col(Engagement.owner) == owner)
    both = union_all(
        select(
            col(Engagement.id).label("eid"),
            col(Engagement.stage_due_at).label("due"),
            literal_column("'stage'", String).label("reason"),
            cast(null(), String).label("milestone"),
        ).where(col(Engagement.stage_due_at) < now, *filters),
        (
            select(
                col(Engagement.id).label("eid"),
                col(EngagementMilestone.due_at).label("due"),
                literal_column("'milestone'", String).label("reason"),
                col(EngagementMilestone.name).label("milestone"),
            )
            .join(Engagement, col(Engagement.id) == col(EngagementMilestone.engagement_id))
            .where(
                col(EngagementMilestone.due_at) < now,
                col(EngagementMilestone.done_at).is_(None),
                col(Engagement.state).not_in(_final_states(ctx)),
                *filters,
            )
        ),
    ).subquery()
    total = int(session.execute(select(func.count()).select_from(both)).scalar_one())
    rows = session.execute(
        select(both.c.eid, both.c.due, both.c.reason, both.c.milestone)
        .order_by(both.c.due, both.c.eid, both.c.reason.desc(), both.c.milestone)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = {eid for eid, *_ in rows}
    engagements = {
        e.id: e
        for e in session.execute(select(Engagement).where(col(Engagement.id).in_(ids))).scalars()
    }
    tz = ctx.settings.tz
    items = []
    for eid, due, reason, name in rows:
        engagement = engagements[eid]
        assert engagement.stage_due_at is not None or reason == "milestone"
        items.append(overdue_item(engagement, _aware(due), now, tz, reason, name))
    return items, total


def _aware(at: datetime) -> datetime:
    """A union's column loses the UTC type decorator on some drivers: treat naive as UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def overdue_item(
    engagement: Engagement,
    due: datetime,
    now: datetime,
    tz: ZoneInfo,
    reason: Literal["stage", "milestone"] = "milestone",
    milestone: str | None = None,
) -> OverdueItem:
    """One line of the overdue list; `stage_due_at` is the date that was missed (the
    milestone's due date for a milestone)."""
    today = now.astimezone(tz).date()
    due_day = due.astimezone(tz).date()
    return OverdueItem(
        id=engagement.id,
        municipality=engagement.municipality,
        federal_state=engagement.federal_state,
        process=engagement.process,
        state=engagement.state,
        stage_due_at=due.astimezone(tz),
        days_overdue=(today - due_day).days,
        working_days_overdue=calendar.working_days_between(
            due_day, today, engagement.federal_state
        ),
        owner=engagement.owner,
        reason=reason,
        milestone=milestone,
    )


def listed(
    process: Process, rows: Iterable[EngagementMilestone]
) -> Sequence[tuple[Milestone, EngagementMilestone | None]]:
    """Every milestone of the process version with its row (None while not dated)."""
    by_name = {row.name: row for row in rows}
    return [(m, by_name.get(m.name)) for m in process.milestones]
