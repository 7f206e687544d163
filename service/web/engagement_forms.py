"""The forms about the engagement itself: fire a transition, move the deadline, change
the owner. Each reads its fields into the API's input schema, so the dashboard accepts
and refuses exactly what the API does."""

from __future__ import annotations

from datetime import date, datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.core.context import Context
from service.core.errors import Conflict, Invalid
from service.engagements import commands
from service.engagements import service as engagements
from service.engagements.models import Engagement
from service.engagements.schemas import DeadlineRequest, EngagementUpdate, TransitionRequest
from service.web import i18n
from service.web.common import PageRoute
from service.web.engagement import ends_the_case, form_route, in_write, submit
from service.web.inputs import expected_version, read_form, validate

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.post("/engagements/{engagement_id}/transition")
async def post_transition(request: Request, engagement_id: str) -> Response:
    """One of the steps allowed now: a button under the note, or, for a step into a
    final stage or one that needs a reason, the confirmation with its own reason field.
    Fired through the API's own write path (`commands.fire_transition`: one job of the
    database's writer, group commit on SQLite)."""
    form = await read_form(request)
    lang = i18n.language(request)

    async def transition(ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
        body = validate(
            TransitionRequest,
            {
                "trigger": form.get("trigger", ""),
                "note": form.get("note") or None,
                "expected_version": expected_version(form),
            },
        )
        if not (body.note or "").strip():
            await run_in_threadpool(_refuse_without_reason, ctx, eid, body.trigger, lang)
        await commands.fire_transition(ctx, eid, body, actor)
        return "transition"

    return await submit(request, engagement_id, form, transition, "history")


def _refuse_without_reason(ctx: Context, eid: int, trigger: str, lang: str) -> None:
    """The dashboard asks for a reason for every step that ends a case
    (engagement.ends_the_case), also where the API does not (fokusberatung version 1):
    without a note it is refused here (409, in the page's language)."""
    with ctx.db.read() as session:
        engagement = session.get(Engagement, eid)
        if engagement is None:
            return  # the write path says 404
        process = engagements.definition(ctx, engagement)
        for step in process.steps_from(engagement.state):
            if step.trigger == trigger and ends_the_case(process, step):
                raise Conflict(
                    "step_reason_missing", step_de=step.label("de"), step_en=step.label("en")
                )


@form_route(router, "/deadline", anchor="details")
@in_write
def deadline(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """A new deadline as a local day (noon: the service moves it to the end of that
    working day, as for the API) with a reason."""
    raw = form.get("due_date", "").strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        if not raw:
            raise Invalid("due_date_missing") from None
        raise Invalid("due_date_invalid", value=raw[:40]) from None
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
