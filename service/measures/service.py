from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from service.core.context import Context
from service.core.errors import NotFound
from service.engagements import history
from service.engagements.service import get as get_engagement
from service.measures.models import Measure
from service.measures.schemas import MeasureCreate, MeasureStatus, MeasureUpdate

STARTS = (MeasureStatus.in_progress, MeasureStatus.completed)
MEASURE_STATE = ("status", "progress_percent")  # what `change` changes (the history shows it)


def create(
    session: Session, ctx: Context, engagement_id: int, data: MeasureCreate, actor: str
) -> Measure:
    get_engagement(session, engagement_id)
    now = ctx.clock.now()
    measure = Measure(
        engagement_id=engagement_id,
        title=data.title,
        action_area=data.action_area.value,
        description=data.description or None,
        responsible=data.responsible or None,
        planned_start=data.planned_start,
        planned_end=data.planned_end,
        created_at=now,
        updated_at=now,
    )
    session.add(measure)
    session.flush()
    named = {"name": measure.title}
    history.record_change(
        session, engagement_id, "measure", "added", actor, named, at=now, subject_id=measure.id
    )
    return measure


def list_for(session: Session, engagement_id: int) -> list[Measure]:
    get_engagement(session, engagement_id)
    return list(
        session.execute(
            select(Measure)
            .where(Measure.engagement_id == engagement_id)  # type: ignore[arg-type]
            .order_by(Measure.id)  # type: ignore[arg-type]
        ).scalars()
    )


def change(
    session: Session, ctx: Context, measure_id: int, data: MeasureUpdate, actor: str
) -> Measure:
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise NotFound("measure_not_found", measure=measure_id)
    now = ctx.clock.now()
    before = measure.model_dump()
    if data.status is not None:
        measure.status = data.status.value
        # the first start counts, a later one does not move it; a measure reported
        # completed without ever being in progress was started then at the latest
        if data.status in STARTS and measure.started_at is None:
            measure.started_at = now
        if data.status == MeasureStatus.completed and data.progress_percent is None:
            measure.progress_percent = 100
    if data.progress_percent is not None:
        measure.progress_percent = data.progress_percent
    measure.updated_at = now
    session.add(measure)
    session.flush()
    changed = history.fields_changed(before, {f: getattr(measure, f) for f in MEASURE_STATE})
    if changed:
        details = {"name": measure.title, "fields": changed}
        eid = measure.engagement_id
        history.record_change(
            session, eid, "measure", "changed", actor, details, at=now, subject_id=measure_id
        )
    return measure


def revise(
    session: Session, ctx: Context, measure_id: int, data: MeasureCreate, actor: str
) -> Measure:
    """Replaces what describes the measure (title, action area, description, responsible
    person, planned start and end) with the form's values; status, progress and
    `started_at` stay as they are. What changed goes into the history (nothing when
    nothing changed)."""
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise NotFound("measure_not_found", measure=measure_id)
    after = {
        "title": data.title,
        "action_area": data.action_area.value,
        "description": data.description or None,
        "responsible": data.responsible or None,
        "planned_start": data.planned_start,
        "planned_end": data.planned_end,
    }
    changed = history.fields_changed(measure.model_dump(), after)
    if not changed:
        return measure
    old_title = measure.title
    for field, value in after.items():
        setattr(measure, field, value)
    now = ctx.clock.now()
    measure.updated_at = now
    session.add(measure)
    session.flush()
    details = {"name": old_title, "fields": changed}
    history.record_change(session, measure.engagement_id, "measure", "changed", actor, details,
                          at=now, subject_id=measure_id)  # fmt: skip
    return measure
