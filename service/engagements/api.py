"""HTTP for engagements: thin, it validates, calls the service and shapes the answer."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from service.auth import tenancy
from service.auth.deps import Ctx, Reader, Writer
from service.core.validation import LINE_PATTERN, Flag, Id
from service.engagements import commands, follow_up, history, presenters, service
from service.engagements.filters import MAX_DUE_WITHIN, EngagementFilters
from service.engagements.schemas import (
    DeadlineRequest,
    EngagementCreate,
    EngagementPage,
    EngagementPublic,
    EngagementUpdate,
    FollowUpRequest,
    HistoryPublic,
    MilestonePublic,
    OverdueItem,
    TransitionRequest,
)
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors
from service.processes.presenters import process_as_data
from service.processes.schemas import WorkflowPublic
from workflows.diagram import mermaid
from workflows.registry import default_registry

router = APIRouter(prefix="/api/v1", tags=["engagements"])

# names differ per process: the document lists those of the built-in processes; the
# route checks against the processes this server knows (an unknown name is a 422)
_NAME_PATTERN = "^[a-z][a-z0-9_]*$"
_BUILT_IN = default_registry()
StateFilter = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=_NAME_PATTERN,
        json_schema_extra={"enum": sorted({s for p in _BUILT_IN.all() for s in p.state_names})},
    ),
]
ProcessFilter = Annotated[
    str | None,
    Query(max_length=40, pattern=_NAME_PATTERN, json_schema_extra={"enum": _BUILT_IN.names()}),
]
SearchText = Annotated[str | None, Query(max_length=200, pattern=LINE_PATTERN)]
# the list's order (service/engagements/filters.py); "-" before a name for descending
SortOrder = Annotated[
    Literal[
        "deadline",
        "-deadline",
        "municipality",
        "-municipality",
        "stage",
        "-stage",
        "owner",
        "-owner",
        "file_number",
        "-file_number",
    ]
    | None,
    Query(description="order by this column, '-' first for descending; default: by id"),
]
DueWithin = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_DUE_WITHIN,
        description="not overdue, and the deadline at most this many working days away "
        "(in the engagement's federal state)",
    ),
]
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
    data = data.model_copy(update={"firm": tenancy.firm_for_new(principal, data.firm)})
    return presenters.public_one(session, ctx, service.create(session, ctx, data).id)  # type: ignore[arg-type]


@router.get("/engagements", response_model=EngagementPage, responses=errors(422))
def list_engagements(
    principal: Reader,
    ctx: Ctx,
    session: ReadSession,
    state: StateFilter = None,
    process: ProcessFilter = None,
    overdue: Annotated[Flag | None, Query()] = None,
    owner: SearchText = None,
    q: SearchText = None,
    due_within_working_days: DueWithin = None,
    firm: SearchText = None,
    sort: SortOrder = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EngagementPage:
    """`q` finds part of the municipality, the file number or the contact's name, with
    case and umlauts folded (`grunau` and `Gruenau` find "Markt Grünau"). Staff of a firm
    see only their firm's engagements; `firm` narrows anyone's list to one firm."""
    service.check_filter_names(ctx, state=state, process=process)
    filters = EngagementFilters(
        stage=state,
        process=process,
        owner=owner,
        overdue=overdue,
        q=q,
        due_within=due_within_working_days,
        firm=firm,
        tenant=tenancy.scope(principal),
    )
    rows, total = service.list_page(session, ctx, filters, limit=limit, offset=offset, sort=sort)
    return EngagementPage(items=presenters.public(session, ctx, rows), total=total)


@router.get(
    "/engagements/{engagement_id}", response_model=EngagementPublic, responses=errors(404, 422)
)
def get_engagement(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> EngagementPublic:
    return presenters.public_one(session, ctx, engagement_id)


@router.patch(
    "/engagements/{engagement_id}",
    response_model=EngagementPublic,
    responses=errors(403, 404, 409, 422, e409=_VERSION_CONFLICT),
)
def update_engagement(
    engagement_id: Id, data: EngagementUpdate, principal: Writer, ctx: Ctx, session: WriteSession
) -> EngagementPublic:
    """`firm` (admin only, else 403) moves the engagement to another firm's staff."""
    if "firm" in data.model_fields_set:
        tenancy.may_move(principal)
    service.change(session, ctx, engagement_id, data, principal.name)
    return presenters.public_one(session, ctx, engagement_id)


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
    (group commit on SQLite; the dashboard's form goes the same way), and the answer is
    serialised once, here."""
    done = await commands.fire_transition(ctx, engagement_id, data, principal.name)
    public = presenters.to_public(done.engagement, done.facts, ctx, ctx.clock.now())
    return Response(public.model_dump_json().encode(), media_type="application/json")


@router.get(
    "/engagements/{engagement_id}/history",
    response_model=list[HistoryPublic],
    responses=errors(404, 422),
)
def engagement_history(
    engagement_id: Id,
    principal: Reader,
    ctx: Ctx,
    session: ReadSession,
    kind: Annotated[
        Literal["transition", "change"] | None,
        Query(description="Only stage changes (`transition`) or only the other changes."),
    ] = None,
) -> list[HistoryPublic]:
    return history.public(session, ctx, engagement_id, kind)


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
    return presenters.public_one(session, ctx, engagement_id)


@router.post(
    "/engagements/{engagement_id}/follow-up",
    status_code=201,
    response_model=EngagementPublic,
    responses=errors(
        403,
        404,
        409,
        422,
        e409="Not a completed fokusberatung, or already followed up (`detail` says which).",
        e422="Invalid input, or the applicant is not eligible for the follow-up (`detail` "
        "names the rule).",
    ),
)
def follow_up_engagement(
    engagement_id: Id, data: FollowUpRequest, principal: Writer, ctx: Ctx, session: WriteSession
) -> EngagementPublic:
    """Starts the Klimaschutzmanagement that follows a completed Fokusberatung: a new
    engagement with `predecessor_id`, the applicant, contact, participants and measures
    (planned) copied."""
    successor = follow_up.follow_up(session, ctx, engagement_id, data, principal.name)
    return presenters.public_one(session, ctx, successor.id)  # type: ignore[arg-type]


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
    process = service.definition(ctx, engagement)
    return MermaidResponse(mermaid(process, engagement.state))


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
    service.check_filter_names(ctx, state=state, process=None)
    items, total = service.overdue(
        session,
        ctx,
        state=state,
        owner=owner,
        limit=limit,
        offset=offset,
        tenant=tenancy.scope(principal),
    )
    response.headers["X-Total-Count"] = str(total)
    return items


@router.get(
    "/engagements/{engagement_id}/milestones",
    response_model=list[MilestonePublic],
    responses=errors(404, 422),
)
def engagement_milestones(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> list[MilestonePublic]:
    return service.milestones(session, ctx, engagement_id)


@router.get("/workflow", response_model=WorkflowPublic)
def workflow(principal: Reader, ctx: Ctx) -> dict[str, object]:
    """The default process at its latest version (kept from the first release; the
    processes themselves are under /api/v1/processes)."""
    process = ctx.process
    return {
        **process_as_data(process, ctx.settings),
        "mermaid": mermaid(process),
    }
