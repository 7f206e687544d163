"""The grant notice (Zuwendungsbescheid) of an engagement: recorded before `approve`,
changed later only with a reason (an Änderungsbescheid, e.g. an extension), every change
in the engagement's history. Runs inside the caller's transaction and never commits.

Only a process that needs the grant to approve (fact `grant_recorded`: fokusberatung v2,
klimaschutzmanagement) takes one (fokusberatung v1 runs its period from the click, 409),
and its funding period comes from it: at `approve` (service/engagements/service.py) and,
once approved, on every change of its period here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from service.core.context import Context
from service.core.errors import Conflict, Invalid, NotFound
from service.engagements import history, schedule
from service.engagements.models import Engagement
from service.engagements.service import apply_versioned, definition, get
from service.grants.models import Grant
from service.grants.schemas import GrantPut
from service.milestones import service as milestones
from workflows.programme import RULES

FIELDS = (
    "funding_reference",
    "notice_date",
    "period_start",
    "period_end",
    "eligible_costs",
    "grant_amount",
    "funding_rate_percent",
)


def grant_of(session: Session, engagement_id: int) -> Grant | None:
    return session.execute(
        select(Grant).where(col(Grant.engagement_id) == engagement_id)
    ).scalar_one_or_none()


def get_for(session: Session, engagement_id: int) -> Grant:
    get(session, engagement_id)
    grant = grant_of(session, engagement_id)
    if grant is None:
        raise NotFound("grant_not_found", engagement=engagement_id)
    return grant


def euro_de(amount: float) -> str:
    """10000.5 → "10.000,50 €"."""
    text = f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} €"


def check_minimum(engagement: Engagement, amount: float) -> None:
    """KRL 7.5 (2020/2022: 5 000 €) and the KRL 2024 (10 000 €): a smaller grant is not
    given."""
    rules = RULES.get(engagement.krl_version)
    if rules is None or amount >= rules.min_grant_eur:
        return
    minimum = rules.min_grant_eur
    raise Invalid(
        "grant_below_minimum",
        amount_en=amount,
        minimum_en=minimum,
        amount_de=euro_de(amount),
        minimum_de=euro_de(minimum),
        krl=rules.version,
    )


def takes_period_from_grant(ctx: Context, engagement: Engagement) -> bool:
    """The process needs the grant to approve: its funding period comes from the grant."""
    return "grant_recorded" in definition(ctx, engagement).facts


def put(session: Session, ctx: Context, engagement_id: int, data: GrantPut, actor: str) -> Grant:
    engagement = get(session, engagement_id)
    process = definition(ctx, engagement)
    if process.is_final(engagement.state):
        stage = process.stage(engagement.state).label("de")
        raise Conflict("grant_final", state_en=engagement.state, stage_de=stage)
    if not takes_period_from_grant(ctx, engagement):
        raise Conflict("grant_not_taken", process=process.key)
    check_minimum(engagement, data.grant_amount)
    now = ctx.clock.now()
    grant = grant_of(session, engagement_id)
    new = {f: getattr(data, f) for f in FIELDS}
    if grant is None:
        action, fields = "added", history.fields_changed({}, new)
    else:
        changed = {f: v for f, v in new.items() if getattr(grant, f) != v}
        if not changed:
            return grant  # the same notice again: nothing to record
        if data.reason is None:
            raise Invalid("grant_change_reason")
        action, fields = "changed", history.fields_changed(grant.model_dump(), changed)
    values: dict[str, Any] = {"updated_at": now}
    if engagement.funding_starts_at is not None:
        values.update(schedule.funding_from_grant(data.period_start, data.period_end, ctx.settings))
    # the versioned write first: a concurrent change of the same engagement waits, then 409
    apply_versioned(session, engagement, None, values)
    if grant is None:
        grant = Grant(engagement_id=engagement_id, created_at=now, updated_at=now, **new)
    else:
        for field, value in new.items():
            setattr(grant, field, value)
        grant.updated_at = now
    session.add(grant)
    history.record_change(
        session, engagement_id, "grant", action, actor, {"fields": fields}, data.reason, at=now
    )
    session.flush()
    milestones.refresh(session, ctx, engagement)  # dated from the (changed) funding period
    return grant
