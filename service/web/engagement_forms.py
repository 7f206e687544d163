"""The forms about the engagement itself: fire a transition, move the deadline, change
the owner. Each reads its fields into the API's input schema, so the dashboard accepts
and refuses exactly what the API does."""

from __future__ import annotations

from datetime import date, datetime, time

from fastapi import APIRouter
from sqlmodel import Session

from service.core.context import Context
from service.core.errors import Invalid
from service.engagements import commands
from service.engagements import service as engagements
from service.engagements.schemas import DeadlineRequest, EngagementUpdate, TransitionRequest
from service.web.common import PageRoute
from service.web.engagement import form_route, in_write
from service.web.inputs import expected_version, validate

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@form_route(router, "/transition", anchor="history")
async def transition(ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """One of the buttons of the steps allowed now, with the note above them: fired
    through the API's own write path (`commands.fire_transition`: one job of the
    database's writer, group commit on SQLite)."""
    request = validate(
        TransitionRequest,
        {
            "trigger": form.get("trigger", ""),
            "note": form.get("note") or None,
            "expected_version": expected_version(form),
        },
    )
    await commands.fire_transition(ctx, eid, request, actor)
    return "transition"


@form_route(router, "/deadline", anchor="details")
@in_write
def deadline(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """A new deadline as a local day (noon: the service moves it to the end of that
    working day, as for the API) with a reason."""
    raw = form.get("due_date", "").strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        message = "field required" if not raw else "not a date"
        raise Invalid("due_date: " + message) from None
    request = validate(
        DeadlineRequest,
        {
            "due_at": datetime.combine(day, time(12, 0)),
            "reason": form.get("reason", ""),
            "expected_version": expected_version(form),
        },
    )
    engagements.move_deadline(session, ctx, eid, request, actor)
    return "deadline"


@form_route(router, "/owner", anchor="details")
@in_write
def owner(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    request = validate(
        EngagementUpdate,
        {"owner": form.get("owner", ""), "expected_version": expected_version(form)},
    )
    engagements.change(session, ctx, eid, request, actor)
    return "owner"
