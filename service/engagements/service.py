"""Engagement use cases. Each runs inside the caller's transaction and never commits."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col

from service.core.context import Context
from service.core.errors import Conflict, Invalid, NotFound
from service.core.timeutil import from_client
from service.engagements import (
    eligibility,
    history,
    listing,
    presenters,
    public_page,
    refusals,
    schedule,
    search,
)
from service.engagements.facts import load_for_write, tracked
from service.engagements.filters import EngagementFilters, parse_sort
from service.engagements.models import Engagement, HistoryEntry
from service.engagements.notices import queue_stage_notices
from service.engagements.schemas import (
    DeadlineRequest,
    EngagementCreate,
    EngagementUpdate,
    MilestonePublic,
    OverdueItem,
    TransitionRequest,
)
from service.grants.models import Grant
from service.milestones import service as milestones_service
from service.observability.transitions import record_transition
from workflows import programme
from workflows.definition import Process
from workflows.engine import Facts, TriggerRefused

_INSERT_HISTORY = insert(HistoryEntry.__table__)  # type: ignore[attr-defined]


def get(session: Session, engagement_id: int) -> Engagement:
    engagement = session.get(Engagement, engagement_id)
    if engagement is None:
        raise NotFound("engagement_not_found", engagement=engagement_id)
    return engagement


def definition(ctx: Context, engagement: Engagement) -> Process:
    """The process version this engagement runs on."""
    return ctx.process_of(engagement.process, engagement.process_version)


def stage_de(ctx: Context, engagement: Engagement) -> str:
    """The engagement's stage in German, for error texts (service/core/errors.py)."""
    return definition(ctx, engagement).stage(engagement.state).label("de")


def chosen_process(ctx: Context, name: str | None, version: int | None) -> Process:
    """The process a new engagement gets: the named one (else the default), at the named
    version (else the latest); unknown ones are refused with what exists."""
    name = name or ctx.settings.default_process
    if not ctx.registry.knows(name):
        raise Invalid("process_unknown", process=name, known=ctx.registry.names())
    if version is None:
        return ctx.registry.latest(name)
    if not ctx.registry.knows(name, version):
        known = ", ".join(str(p.version) for p in ctx.registry.versions(name))
        raise Invalid("process_version_unknown", process=name, version=version, known=known)
    return ctx.registry.get(name, version)


def check_filter_names(ctx: Context, *, state: str | None, process: str | None) -> None:
    """A filter naming a stage or process that no registered process has is a typo:
    say so (422) rather than answer an empty list. A stage of another process than the
    one filtered for simply matches nothing."""
    if process is not None and not ctx.registry.knows(process):
        raise Invalid("process_unknown", process=process, known=ctx.registry.names())
    if state is not None:
        known = sorted({s for p in ctx.registry.all() for s in p.state_names})
        if state not in known:
            raise Invalid("state_unknown", state=state, known=known)


def create(session: Session, ctx: Context, data: EngagementCreate) -> Engagement:
    now = ctx.clock.now()
    process = chosen_process(ctx, data.process, data.process_version)
    # the application date is today: its KRL version, unless the request names one
    krl_version = data.krl_version or programme.krl_version_on(
        now.astimezone(ctx.settings.tz).date()
    )
    eligibility.check(process, data, krl_version)
    with_variants = eligibility.has_variants(process.name, process.version)
    variant = (data.variant or "einstieg") if with_variants else None
    initial = process.initial
    due = schedule.stage_due(process, initial, now, data.federal_state.value, ctx.settings)
    engagement = Engagement(
        municipality=data.municipality,
        applicant_type=data.applicant_type.value,
        federal_state=data.federal_state.value,
        municipal_share_percent=data.municipal_share_percent,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        owner=data.owner or None,
        language=data.language,
        process=process.name,
        process_version=process.version,
        krl_version=krl_version,
        variant=variant,
        focus_field=data.focus_field.value if data.focus_field else None,
        has_integrated_concept=data.has_integrated_concept,
        operator_kind=data.operator_kind,
        public_corporation_status=data.public_corporation_status,
        firm=data.firm or None,
        state=initial,
        version=1,
        stage_entered_at=now,
        created_at=now,
        updated_at=now,
        **schedule.deadline_fields(due, data.federal_state.value, ctx.settings, now),
    )
    session.add(engagement)
    session.flush()
    # the file number needs the id: set right after the INSERT, with the search columns
    year = now.astimezone(ctx.settings.tz).year
    number = search.file_number(process.name, year, engagement.id)  # type: ignore[arg-type]
    engagement.file_number = number
    for column, value in search.derived(
        engagement.municipality, engagement.contact_name, engagement.owner, number
    ).items():
        setattr(engagement, column, value)
    session.flush()
    return engagement


def _check_version(engagement: Engagement, expected: int | None) -> None:
    if expected is not None and expected != engagement.version:
        raise Conflict(
            "stale_version",
            expected_en=expected,
            current=engagement.version,
            extra={"current_version": engagement.version},
        )


@lru_cache(maxsize=64)
def _versioned_update(columns: tuple[str, ...]) -> Any:
    """One prebuilt UPDATE per set of columns (a transition always writes the same few):
    building the statement anew cost more than running it."""
    table = Engagement.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
        .values({name: bindparam(name) for name in columns})
    )


def apply_versioned(
    session: Session, engagement: Engagement, expected: int | None, values: dict[str, Any]
) -> None:
    """The optimistic write: UPDATE … WHERE id = ? AND version = ?; zero rows is a 409."""
    _check_version(engagement, expected)
    values = {**values, "version": engagement.version + 1}
    result = session.connection().execute(
        _versioned_update(tuple(sorted(values))),
        {**values, "_id": engagement.id, "_version": engagement.version},
    )
    if result.rowcount != 1:
        raise Conflict("changed_concurrently")
    if tracked(engagement):
        for key, value in values.items():
            set_committed_value(engagement, key, value)
    else:  # built from a Core row (facts.load_for_write): no session tracks it
        engagement.__dict__.update(values)
        # but the session may hold an ORM copy, loaded earlier in this transaction
        cached = session.identity_map.get(identity_key(Engagement, engagement.id))
        for key, value in values.items() if cached is not None else ():
            set_committed_value(cached, key, value)


def fire(
    session: Session, ctx: Context, engagement_id: int, request: TransitionRequest, actor: str
) -> Engagement:
    return transition(session, ctx, engagement_id, request, actor)[0]


def transition(
    session: Session, ctx: Context, engagement_id: int, request: TransitionRequest, actor: str
) -> tuple[Engagement, Facts]:
    """Fires a trigger; returns the engagement and its facts in the new state, so the
    caller can answer without loading them again (this is the hot write path)."""
    now = ctx.clock.now()
    engagement, facts = load_for_write(session, ctx, engagement_id, now)
    process = definition(ctx, engagement)
    if request.trigger not in process.triggers:
        engine = ctx.engine_of(process.name, process.version)
        # the API's detail lists the trigger keys, a person reads the steps' labels
        names: dict[str, Any] = {
            "process": process.key,
            "process_de": process.title("de"),
            "process_en": process.title("en"),
            "known": ", ".join(process.triggers),
            "known_de": ", ".join(process.step_label(t, "de") for t in process.triggers),
            "known_en": ", ".join(process.step_label(t, "en") for t in process.triggers),
        }
        if any(request.trigger in p.triggers for p in ctx.registry.all()):
            # a step of another process (or version): a refusal in this engagement's terms
            raise Conflict(
                "trigger_other_process",
                trigger=request.trigger,
                **names,
                extra={"allowed_triggers": engine.allowed_triggers(facts)},
            )
        raise Invalid("trigger_unknown", trigger=request.trigger, **names)
    _check_version(engagement, request.expected_version)
    note_given = bool(request.note and request.note.strip())
    facts.named["note_given"] = 1 if note_given else 0  # workflows.definition.REQUEST_FACTS
    try:
        outcome = ctx.engine_of(process.name, process.version).fire(facts, request.trigger)
    except TriggerRefused as refused:
        raise refusals.refusal_error(process, facts.state, request.trigger, refused) from None
    due = schedule.stage_due(process, outcome.to_state, now, engagement.federal_state, ctx.settings)
    values: dict[str, Any] = {
        "state": outcome.to_state,
        "stage_entered_at": now,
        "updated_at": now,
        **schedule.deadline_fields(due, engagement.federal_state, ctx.settings, now),
    }
    if outcome.step.starts_funding:
        values.update(_funding_period(session, ctx, engagement, process, now))
    if process.is_final(outcome.to_state):
        values["next_funding_warning_at"] = None
    apply_versioned(session, engagement, request.expected_version, values)
    milestones_service.refresh(session, ctx, engagement)
    session.connection().execute(  # not session.add(): the ORM cost more than the rest
        _INSERT_HISTORY,
        dict(
            engagement_id=engagement_id,
            kind="transition",
            from_state=outcome.from_state,
            to_state=outcome.to_state,
            trigger=request.trigger,
            actor=actor,
            note=request.note or None,
            at=now,
            action="transition",
        ),
    )
    queue_stage_notices(session, ctx, engagement, process, outcome, request.note)
    # last: a failure above counts nothing
    record_transition(session, process.name, request.trigger)
    return engagement, facts.moved_to(outcome.to_state)


def _funding_period(
    session: Session, ctx: Context, engagement: Engagement, process: Process, now: datetime
) -> dict[str, Any]:
    """The funding period a step starts: a process that needs the grant notice to approve
    (fact `grant_recorded`) takes it from the notice, else it runs from now for
    FOKUS_FUNDING_PERIOD_MONTHS."""
    if "grant_recorded" not in process.facts:
        ends = schedule.funding_end(now, engagement.federal_state, ctx.settings)
        return schedule.funding_fields(now, ends)
    grant = session.execute(
        select(Grant).where(col(Grant.engagement_id) == engagement.id)
    ).scalar_one_or_none()
    if grant is None:  # the guard refuses this first; never a period from the click
        raise Conflict("grant_required")
    return schedule.funding_from_grant(grant.period_start, grant.period_end, ctx.settings)


def change(
    session: Session, ctx: Context, engagement_id: int, request: EngagementUpdate, actor: str
) -> Engagement:
    engagement = get(session, engagement_id)
    now = ctx.clock.now()
    changes: dict[str, Any] = {}
    for field in ("owner", "contact_name", "contact_email", "public", "vision_summary", "firm"):
        if field in request.model_fields_set:
            value = getattr(request, field)
            value = value if isinstance(value, bool) else (value or None)
            if value != getattr(engagement, field):
                changes[field] = value
    if changes.get("public") and engagement.public_slug is None:
        changes["public_slug"] = public_page.slug_for(engagement)
    if changes:
        shown = {k: v for k, v in changes.items() if k != "public_slug"}
        details = {"fields": history.fields_changed(engagement.model_dump(), shown)}
        derived = search.derived(
            changes.get("municipality", engagement.municipality),
            changes.get("contact_name", engagement.contact_name),
            changes.get("owner", engagement.owner),
            engagement.file_number,
        )
        values = {**changes, **derived, "updated_at": now}
        apply_versioned(session, engagement, request.expected_version, values)
        history.record_change(
            session, engagement_id, "engagement", "changed", actor, details, at=now
        )
    else:
        _check_version(engagement, request.expected_version)
    return engagement


def move_deadline(
    session: Session, ctx: Context, engagement_id: int, request: DeadlineRequest, actor: str
) -> Engagement:
    engagement = get(session, engagement_id)
    process = definition(ctx, engagement)
    if process.is_final(engagement.state):
        stage = process.stage(engagement.state).label("de")
        raise Conflict("deadline_final", state_en=engagement.state, stage_de=stage)
    now = ctx.clock.now()
    wanted = from_client(request.due_at, ctx.settings.tz, "due_at")
    due = schedule.normalise_deadline(wanted, engagement.federal_state, ctx.settings)
    old = engagement.stage_due_at
    values = {
        "updated_at": now,
        **schedule.deadline_fields(due, engagement.federal_state, ctx.settings, now),
    }
    apply_versioned(session, engagement, request.expected_version, values)
    details = {"fields": history.fields_changed({"stage_due_at": old}, {"stage_due_at": due})}
    history.record_change(
        session, engagement_id, "engagement", "deadline", actor, details, request.reason, at=now
    )
    return engagement


def list_page(
    session: Session,
    ctx: Context,
    filters: EngagementFilters,
    *,
    limit: int,
    offset: int,
    by_deadline: bool = False,
    sort: str | None = None,
) -> tuple[list[Engagement], int]:
    """One page and the total. `by_deadline`: overdue first, then by deadline, final ones
    (no deadline) last; ascending deadlines already put every overdue one first, most
    overdue at the top, so one ORDER BY on the indexed column does both. `sort` (one of
    filters.SORTS, "-" for descending) orders by that column instead. The reads follow
    the page, not the table (service/engagements/listing.py)."""
    order = parse_sort(sort) if sort else "deadline" if by_deadline else None
    return listing.page(session, ctx, filters, limit=limit, offset=offset, sort=order)


def overdue(
    session: Session,
    ctx: Context,
    *,
    state: str | None,
    owner: str | None,
    limit: int,
    offset: int,
    tenant: str | None = None,
) -> tuple[list[OverdueItem], int]:
    """Overdue stage deadlines and milestones, most overdue first; each kind uses the
    index on its due column, so the cost follows the page size, not the number of
    engagements (service/milestones/service.overdue_page)."""
    return milestones_service.overdue_page(
        session, ctx, state=state, owner=owner, limit=limit, offset=offset, tenant=tenant
    )


def milestones(session: Session, ctx: Context, engagement_id: int) -> list[MilestonePublic]:
    """The milestones of the engagement's process version, from their stored rows."""
    engagement = get(session, engagement_id)
    rows = milestones_service.rows_of(session, engagement_id).values()
    return presenters.milestones(
        engagement, definition(ctx, engagement), rows, ctx.clock.now(), ctx.settings.tz
    )
