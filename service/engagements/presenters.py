"""How an engagement is shown: one presenter for the API and the dashboard.

Every date an engagement shows is counted here, from one moment and in one time zone
(`FOKUS_TIMEZONE`): the local time of its deadline and funding end, the calendar days
left (local dates, not timestamps subtracted: a deadline ends at 23:59:59 local time),
the working days left, the funding days left, and the words the dashboard puts on them.
The API's `EngagementPublic`, the overdue list, the milestones and the history, and the
dashboard's overview and engagement page all come from these functions, so a day can
never be counted two ways.

Services return domain objects (the ORM rows); nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import object_session
from sqlmodel import Session, col

from service.core.context import Context
from service.core.timeutil import to_client
from service.core.translations import language
from service.engagements import public_page
from service.engagements.facts import load_facts, load_one, tracked
from service.engagements.models import Engagement
from service.engagements.schemas import (
    EngagementPublic,
    MilestonePublic,
    OverdueItem,
)
from service.grants.models import Grant
from service.grants.schemas import GrantPublic
from service.milestones.models import EngagementMilestone
from workflows import calendar
from workflows.definition import Process
from workflows.engine import Facts


def local_day(at: datetime | None, tz: ZoneInfo) -> date | None:
    """The local calendar day of a stored (UTC) time."""
    return None if at is None else at.astimezone(tz).date()


def days_between(start: datetime, end: datetime | None, tz: ZoneInfo) -> int | None:
    """Calendar days from `start` to `end` counted by local dates (negative when `end`
    lies before `start`'s day); None without an `end`."""
    if end is None:
        return None
    return (end.astimezone(tz).date() - start.astimezone(tz).date()).days


@dataclass(frozen=True)
class Dates:
    """An engagement's deadline and funding period as seen at one moment, in local time
    and local calendar days."""

    today: date
    federal_state: str
    final: bool
    due: datetime | None  # the current stage's deadline, local time
    overdue: bool  # the deadline has passed (a final stage has none)
    days_left: int | None  # calendar days to the deadline; negative once overdue
    funding_ends: datetime | None  # local time; None until funding starts
    funding_days: int | None  # calendar days to the funding end, negative after it

    @property
    def working_days_left(self) -> int | None:
        """Working days (weekends and the federal state's holidays excluded) from today
        to the deadline's day. A property, not a field: the overview does not need it."""
        if self.due is None:
            return None
        return calendar.working_days_between(self.today, self.due.date(), self.federal_state)

    @property
    def funding_days_left(self) -> int | None:
        """What the API says: None before funding starts and in a final stage, else the
        days left, never below 0."""
        if self.funding_days is None or self.final:
            return None
        return max(0, self.funding_days)

    @property
    def funding_over(self) -> bool:
        """Funding started and has ended, or the engagement is final."""
        return self.funding_days is not None and (self.final or self.funding_days < 0)


def dates(engagement: Engagement, process: Process, now: datetime, tz: ZoneInfo) -> Dates:
    due = engagement.stage_due_at
    ends = engagement.funding_ends_at
    return Dates(
        today=now.astimezone(tz).date(),
        federal_state=engagement.federal_state,
        final=process.is_final(engagement.state),
        due=to_client(due, tz),
        overdue=due is not None and due < now,
        days_left=days_between(now, due, tz),
        funding_ends=to_client(ends, tz),
        funding_days=days_between(now, ends, tz),
    )


def deadline_text(lang: str, days_left: int | None, overdue: bool) -> str:
    """The deadline in words ("noch 3 Tage", "2 Tage überfällig", "heute fällig")."""
    t = language(lang).words
    if days_left is None:
        return t["no_deadline"]
    if overdue:
        late = max(-days_left, 0)
        if late == 0:
            return t["due_today"]
        return t["day_overdue"] if late == 1 else t["days_overdue"].format(n=late)
    if days_left == 0:
        return t["due_today"]
    return t["day_left"] if days_left == 1 else t["days_left"].format(n=days_left)


def funding_text(lang: str, seen: Dates) -> str:
    """The funding period in words: not started, over, or the days left."""
    t = language(lang).words
    if seen.funding_days is None:
        return t["funding_not_started"]
    if seen.funding_over:
        return t["funding_over"]
    return t["funding_days"].format(n=seen.funding_days)


def grant_public(grant: Grant | None, tz: ZoneInfo) -> GrantPublic | None:
    if grant is None:
        return None
    public = GrantPublic.model_validate(grant, from_attributes=True)
    public.created_at = public.created_at.astimezone(tz)
    public.updated_at = public.updated_at.astimezone(tz)
    return public


def _read_grant(engagement: Engagement, facts: Facts, ctx: Context) -> GrantPublic | None:
    """The engagement's grant notice: no query when its facts say there is none (only a
    process that reads `grant_recorded` takes a notice: service/grants/service.py); in
    the engagement's own session if it has one, else in a read of its own (a committed
    transition's engagement is detached)."""
    if not facts.named.get("grant_recorded"):
        return None
    query = select(Grant).where(col(Grant.engagement_id) == engagement.id)
    tz = ctx.settings.tz
    session = object_session(engagement) if tracked(engagement) else None
    if session is not None:
        return grant_public(session.execute(query).scalar_one_or_none(), tz)
    with ctx.db.read() as own:
        return grant_public(own.execute(query).scalar_one_or_none(), tz)


def to_public(
    engagement: Engagement,
    facts: Facts,
    ctx: Context,
    now: datetime,
    grant: Grant | Literal["load"] | None = "load",
) -> EngagementPublic:
    """The engagement as the API answers it (and the dashboard's engagement page shows
    it); `facts` decide the allowed triggers. `grant`: the grant notice if the caller
    has read it (None: there is none), else it is read here when the facts say so."""
    tz = ctx.settings.tz
    shown = (
        _read_grant(engagement, facts, ctx) if isinstance(grant, str) else grant_public(grant, tz)
    )
    process = ctx.process_of(engagement.process, engagement.process_version)
    seen = dates(engagement, process, now, tz)
    return EngagementPublic(
        id=engagement.id,
        file_number=engagement.file_number,
        municipality=engagement.municipality,
        applicant_type=engagement.applicant_type,
        federal_state=engagement.federal_state,
        municipal_share_percent=engagement.municipal_share_percent,
        contact_name=engagement.contact_name,
        contact_email=engagement.contact_email,
        language=engagement.language,
        process=engagement.process,
        process_version=engagement.process_version,
        krl_version=engagement.krl_version,
        variant=engagement.variant,
        focus_field=engagement.focus_field,
        has_integrated_concept=engagement.has_integrated_concept,
        operator_kind=engagement.operator_kind,
        public_corporation_status=engagement.public_corporation_status,
        predecessor_id=engagement.predecessor_id,
        firm=engagement.firm,
        state=engagement.state,
        version=engagement.version,
        owner=engagement.owner,
        stage_entered_at=engagement.stage_entered_at.astimezone(tz),
        stage_due_at=seen.due,
        overdue=seen.overdue,
        days_left=seen.days_left,
        working_days_left=seen.working_days_left,
        funding_ends_at=seen.funding_ends,
        funding_days_left=seen.funding_days_left,
        grant=shown,
        public=engagement.public,
        public_url=public_page.url_of(ctx.settings.base_url, engagement),
        vision_summary=engagement.vision_summary,
        allowed_triggers=ctx.engine_of(process.name, process.version).allowed_triggers(facts),
        created_at=engagement.created_at.astimezone(tz),
        updated_at=engagement.updated_at.astimezone(tz),
    )


def public_one(session: Session, ctx: Context, engagement_id: int) -> EngagementPublic:
    """One engagement as the API shows it, read with its facts in one query."""
    now = ctx.clock.now()
    engagement, facts = load_one(session, engagement_id, now, ctx.fact_plan)
    return to_public(engagement, facts, ctx, now)


def public(session: Session, ctx: Context, engagements: list[Engagement]) -> list[EngagementPublic]:
    """A page of engagements, their facts read in one more query."""
    now = ctx.clock.now()
    states = {e.id: e.state for e in engagements}
    facts = load_facts(session, states, now, ctx.fact_plan)  # type: ignore[arg-type]
    with_grant = [eid for eid, f in facts.items() if f.named.get("grant_recorded")]
    grants: dict[int, Grant] = {}
    if with_grant:
        query = select(Grant).where(col(Grant.engagement_id).in_(with_grant))
        grants = {g.engagement_id: g for g in session.execute(query).scalars()}
    return [
        to_public(e, facts[e.id], ctx, now, grants.get(e.id))  # type: ignore[index,arg-type]
        for e in engagements
    ]


def overdue_item(engagement: Engagement, now: datetime, tz: ZoneInfo) -> OverdueItem:
    """One line of the overdue list: how late, in calendar and in working days."""
    due = engagement.stage_due_at
    assert due is not None  # the overdue list selects deadlines before now
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
    )


def milestones(
    engagement: Engagement,
    process: Process,
    rows: Iterable[EngagementMilestone],
    now: datetime,
    tz: ZoneInfo,
) -> list[MilestonePublic]:
    """The milestones of the engagement's process version, from its stored rows
    (service/milestones: dated from the funding period); one without a row is not dated
    yet (due_at null)."""
    by_name = {row.name: row for row in rows}
    final = process.is_final(engagement.state)
    items = []
    for milestone in process.milestones:
        row = by_name.get(milestone.name)
        due = None if row is None else row.due_at
        done = None if row is None else row.done_at
        items.append(
            MilestonePublic(
                name=milestone.name,
                label_de=milestone.label_de,
                label_en=milestone.label_en,
                due_at=None if due is None else due.astimezone(tz),
                done_at=None if done is None else done.astimezone(tz),
                overdue=due is not None and done is None and due < now and not final,
            )
        )
    return items
