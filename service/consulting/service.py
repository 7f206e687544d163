"""The consulting-day ledger: days a consultant spent, in half-day steps, inside the funding
period and within the budget. Use cases run inside the caller's transaction and never commit.

Direct contact follows the KRL version of the engagement (workflows/programme.RULES
direct_modes), as the guard fact consulting_direct_days does (service/engagements/facts.py).
The budget of 20 days (KRL 4.1.1) belongs to the Fokusberatung; a Klimaschutzmanagement has
no day budget in the Richtlinie, so its ledger records days without a budget check."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from service.consulting.models import ConsultingDay
from service.consulting.schemas import ConsultingDayCreate, ConsultingDayPublic, ConsultingLedger
from service.core.context import Context
from service.core.errors import Conflict, Invalid, date_de, number_de
from service.engagements import history
from service.engagements.models import Engagement
from service.engagements.service import definition, stage_de
from service.engagements.service import get as get_engagement
from service.grants.models import Grant
from workflows.programme import CONSULTING_BUDGET_DAYS, RULES

# the processes with a consulting-day budget, and the budget
BUDGET_DAYS: dict[str, float] = {"fokusberatung": CONSULTING_BUDGET_DAYS}


def budget_days(engagement: Engagement) -> float | None:
    return BUDGET_DAYS.get(engagement.process)


def direct_modes(engagement: Engagement) -> tuple[str, ...]:
    rules = RULES.get(engagement.krl_version)
    return rules.direct_modes if rules is not None else ("on_site",)


def _total(session: Session, engagement_id: int) -> float:
    total = session.execute(
        select(func.coalesce(func.sum(col(ConsultingDay.days)), 0.0)).where(
            col(ConsultingDay.engagement_id) == engagement_id
        )
    ).scalar_one()
    return float(total)


def add(
    session: Session, ctx: Context, engagement_id: int, data: ConsultingDayCreate, actor: str
) -> ConsultingDay:
    engagement = get_engagement(session, engagement_id)
    if definition(ctx, engagement).is_final(engagement.state):
        raise Conflict(
            "consulting_final", state_en=engagement.state, stage_de=stage_de(ctx, engagement)
        )
    # one writer per engagement at a time (PostgreSQL), so two entries cannot both pass
    # the budget check; SQLite serialises writers anyway
    session.execute(
        select(col(Engagement.id)).where(col(Engagement.id) == engagement_id).with_for_update()
    )
    grant = session.execute(
        select(Grant).where(col(Grant.engagement_id) == engagement_id)
    ).scalar_one_or_none()
    if grant is None:
        raise Invalid("consulting_no_grant")
    if data.date < grant.period_start:
        raise Invalid(
            "consulting_before_period",
            date_en=data.date,
            start_en=grant.period_start,
            date_de=date_de(data.date),
            start_de=date_de(grant.period_start),
        )
    if data.date > grant.period_end:
        raise Invalid(
            "consulting_after_period",
            date_en=data.date,
            end_en=grant.period_end,
            date_de=date_de(data.date),
            end_de=date_de(grant.period_end),
        )
    budget = budget_days(engagement)
    if budget is not None:
        total = _total(session, engagement_id)
        if total + data.days > budget:
            raise Invalid(
                "consulting_budget",
                total_en=total,
                days_en=data.days,
                budget_en=budget,
                total_de=number_de(total),
                days_de=number_de(data.days),
                budget_de=number_de(budget),
            )
    now = ctx.clock.now()
    day = ConsultingDay(
        engagement_id=engagement_id,
        date=data.date,
        days=data.days,
        mode=data.mode.value,
        consultant=data.consultant,
        activity=data.activity,
        actor=actor,
        created_at=now,
    )
    session.add(day)
    session.flush()
    details = {k: getattr(data, k) for k in ("days", "date", "mode", "consultant")}
    history.record_change(
        session, engagement_id, "consulting_day", "added", actor, details, at=now, subject_id=day.id
    )
    return day


def public(day: ConsultingDay, engagement: Engagement) -> ConsultingDayPublic:
    return ConsultingDayPublic.model_validate(
        {**day.model_dump(), "direct": day.mode in direct_modes(engagement)}
    )


def ledger(session: Session, engagement_id: int) -> ConsultingLedger:
    engagement = get_engagement(session, engagement_id)
    rows = session.execute(
        select(ConsultingDay)
        .where(col(ConsultingDay.engagement_id) == engagement_id)
        .order_by(col(ConsultingDay.date), col(ConsultingDay.id))
    ).scalars()
    items = [public(day, engagement) for day in rows]
    return ConsultingLedger(
        items=items,
        total_days=sum(item.days for item in items),
        direct_days=sum(item.days for item in items if item.direct),
        budget_days=budget_days(engagement),
    )
