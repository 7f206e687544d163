"""HTTP for engagements: thin, it validates, calls the service and shapes the answer."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse
from sqlmodel import Session

from service.auth.deps import Ctx, Reader, Writer
from service.deps import ReadSession, WriteSession
from service.engagements import service
from service.engagements.filters import EngagementFilters
from service.engagements.schemas import (
    DeadlineRequest,
    EngagementCreate,
    EngagementPage,
    EngagementPublic,
    EngagementUpdate,
    HistoryPublic,
    OverdueItem,
    TransitionRequest,
)
from service.openapi import errors
from service.validation import LINE_PATTERN, Flag, Id
from workflows.diagram import mermaid
from workflows.fokusberatung import FOKUSBERATUNG

router = APIRouter(prefix="/api/v1", tags=["engagements"])

Stage = StrEnum("Stage", {name: name for name in FOKUSBERATUNG.state_names})  # type: ignore[misc]
StateFilter = Annotated[Stage | None, Query()]  # type: ignore[valid-type]
SearchText = Annotated[str | None, Query(max_length=200, pattern=LINE_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]

_VERSION_CONFLICT = (
    "expected_version is not the current one (`current_version` says which is), or the "
    "engagement was changed concurrently."
)


class MermaidResponse(PlainTextResponse):
    """The process diagram as Mermaid source."""

    media_type = "text/vnd.mermaid"


@router.post(
    "/engagements",
    status_code=201,
    response_model=EngagementPublic,
    responses=errors(403, 422, e422="Invalid input, or not eligible (`detail` names the rule)."),
)
def create_engagement(
    data: EngagementCreate, principal: Writer, ctx: Ctx, session: WriteSession
) -> EngagementPublic:
    return service.public_one(session, ctx, service.create(session, ctx, data).id)  # type: ignore[arg-type]


@router.get("/engagements", response_model=EngagementPage, responses=errors(422))
def list_engagements(
    principal: Reader,
    ctx: Ctx,
    session: ReadSession,
    state: StateFilter = None,
    overdue: Annotated[Flag | None, Query()] = None,
    owner: SearchText = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EngagementPage:
    stage = state.value if state is not None else None
    filters = EngagementFilters(stage=stage, owner=owner, overdue=overdue, q=q)
    rows, total = service.list_page(session, ctx, filters, limit=limit, offset=offset)
    return EngagementPage(items=service.public(session, ctx, rows), total=total)


@router.get(
    "/engagements/{engagement_id}", response_model=EngagementPublic, responses=errors(404, 422)
)
def get_engagement(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> EngagementPublic:
    return service.public_one(session, ctx, engagement_id)


@router.patch(
    "/engagements/{engagement_id}",
    response_model=EngagementPublic,
    responses=errors(403, 404, 409, 422, e409=_VERSION_CONFLICT),
)
def update_engagement(
    engagement_id: Id, data: EngagementUpdate, principal: Writer, ctx: Ctx, session: WriteSession
) -> EngagementPublic:
    service.change(session, ctx, engagement_id, data, principal.name)
    return service.public_one(session, ctx, engagement_id)


@router.post(
    "/engagements/{engagement_id}/transitions",
    response_model=EngagementPublic,
    responses=errors(
        403,
        404,
        409,
        422,
        e409="Refused: the trigger is not allowed in this state or a guard refuses it "
        "(`detail` says why, `allowed_triggers` lists what is allowed now); or "
        + _VERSION_CONFLICT,
        e422="Invalid input, or a trigger the engagement's process does not have.",
    ),
)
async def fire_transition(
    engagement_id: Id, data: TransitionRequest, principal: Writer, ctx: Ctx
) -> Response:
    """The hot write path: the transaction runs as one job of the database's writer
    (group commit on SQLite), and the answer is serialised once, here."""

    def job(session: Session) -> tuple[bytes, bool]:
        engagement, facts = service.transition(session, ctx, engagement_id, data, principal.name)
        public = service.to_public(engagement, facts, ctx, ctx.clock.now())
        return public.model_dump_json().encode(), bool(session.info.get("mail_queued"))

    body, mail_queued = await ctx.db.run_write(job)
    if mail_queued:
        ctx.mail_queued()
    return Response(body, media_type="application/json")


@router.get(
    "/engagements/{engagement_id}/history",
    response_model=list[HistoryPublic],
    responses=errors(404, 422),
)
def engagement_history(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> list[HistoryPublic]:
    items = service.history(session, engagement_id)
    for item in items:
        item.at = item.at.astimezone(ctx.settings.tz)
    return items


@router.patch(
    "/engagements/{engagement_id}/deadline",
    response_model=EngagementPublic,
    responses=errors(
        403, 404, 409, 422, e409="A final state has no deadline; or " + _VERSION_CONFLICT
    ),
)
def move_deadline(
    engagement_id: Id, data: DeadlineRequest, principal: Writer, ctx: Ctx, session: WriteSession
) -> EngagementPublic:
    service.move_deadline(session, ctx, engagement_id, data, principal.name)
    return service.public_one(session, ctx, engagement_id)


@router.get(
    "/engagements/{engagement_id}/diagram",
    response_class=MermaidResponse,
    responses={
        200: {"content": {MermaidResponse.media_type: {"schema": {"type": "string"}}}},
        **errors(404, 422),
    },
)
def engagement_diagram(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> MermaidResponse:
    engagement = service.get(session, engagement_id)
    return MermaidResponse(mermaid(ctx.process, engagement.state))


@router.get(
    "/overdue",
    response_model=list[OverdueItem],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many overdue engagements match, over all pages",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        },
        **errors(422),
    },
)
def overdue_view(
    principal: Reader,
    ctx: Ctx,
    session: ReadSession,
    response: Response,
    state: StateFilter = None,
    owner: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[OverdueItem]:
    stage = state.value if state is not None else None
    items, total = service.overdue(
        session, ctx, state=stage, owner=owner, limit=limit, offset=offset
    )
    response.headers["X-Total-Count"] = str(total)
    return items


@router.get("/workflow")
def workflow(principal: Reader, ctx: Ctx) -> dict[str, object]:
    process = ctx.process
    return {
        "name": process.name,
        "initial": process.initial,
        "states": [
            {
                "name": stage.name,
                "label_de": stage.label_de,
                "label_en": stage.label_en,
                "final": stage.final,
                "deadline_working_days": ctx.settings.deadline_working_days(stage.name),
            }
            for stage in process.stages
        ],
        "transitions": [
            {
                "trigger": step.trigger,
                "from": list(step.source),
                "to": step.dest,
                "guards": [{"name": g.name, "description": g.reason} for g in step.guards],
                "label_de": step.label_de,
                "label_en": step.label_en,
            }
            for step in process.steps
        ],
        "final_states": process.final_states,
        "mermaid": mermaid(process),
    }
