"""The measure forms of the engagement page: add a measure, change its status and
progress, edit what describes it (title, action area, description, responsible person,
planned start and end), each through the API's input schemas."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from service.core.context import Context
from service.core.errors import NotFound
from service.measures import service as measures
from service.measures.models import Measure
from service.measures.schemas import ActionArea, MeasureCreate, MeasureUpdate
from service.web.common import PageRoute
from service.web.engagement import form_route, in_write
from service.web.inputs import field_id, validate

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@form_route(router, "/measures", anchor="measures")
@in_write
def add(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    data = validate(
        MeasureCreate,
        {
            "title": form.get("title", ""),
            "action_area": form.get("action_area", ActionArea.other.value),
            "responsible": form.get("responsible") or None,
        },
    )
    measures.create(session, ctx, eid, data, actor)
    return "measure"


def _measure_of(session: Session, eid: int, form: dict[str, str]) -> int:
    """The id of the measure the form names, only one of this engagement."""
    mid = field_id(form, "measure_id")
    measure = session.get(Measure, mid)
    if measure is None or measure.engagement_id != eid:
        raise NotFound(
            "measure_not_in_engagement", measure=mid, engagement=eid, extra={"field": "measure_id"}
        )
    return mid


@form_route(router, "/measures/update", anchor="measures")
@in_write
def update(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Status and/or progress; a progress that is not a whole number goes to the schema
    as typed, so the refusal reads like the API's."""
    mid = _measure_of(session, eid, form)
    progress = form.get("progress_percent", "").strip()
    number = progress.isascii() and progress.isdigit() and len(progress) < 10
    data = validate(
        MeasureUpdate,
        {
            "status": form.get("status") or None,
            "progress_percent": int(progress) if number else progress or None,
        },
    )
    measures.change(session, ctx, mid, data, actor)
    return "measure"


@form_route(router, "/measures/details", anchor="measures")
@in_write
def details(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """What describes the measure, as the form shows it all (an emptied field is
    cleared); checked by the API's `MeasureCreate` (a planned end before the start is
    refused). Status and progress stay."""
    mid = _measure_of(session, eid, form)
    data = validate(
        MeasureCreate,
        {
            "title": form.get("title", ""),
            "action_area": form.get("action_area", ""),
            "description": form.get("description") or None,
            "responsible": form.get("responsible") or None,
            "planned_start": form.get("planned_start") or None,
            "planned_end": form.get("planned_end") or None,
        },
    )
    measures.revise(session, ctx, mid, data, actor)
    return "measure"
