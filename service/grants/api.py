"""HTTP for the grant notice: thin, it validates, calls the service and shapes the answer."""

from __future__ import annotations

from fastapi import APIRouter

from service.auth.deps import Ctx, Reader, Writer
from service.core.validation import Id
from service.engagements import presenters
from service.engagements.schemas import EngagementPublic
from service.grants import service
from service.grants.schemas import GrantPublic, GrantPut
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["grants"])


@router.put(
    "/engagements/{engagement_id}/grant",
    response_model=EngagementPublic,
    responses=errors(
        403,
        404,
        409,
        422,
        e409="The engagement is final, or it was changed concurrently.",
        e422="Invalid input: a field, the period's order, the notice after the period's "
        "start, the amount above the eligible costs, the amount below the minimum grant "
        "of the engagement's KRL version, or a change without `reason`.",
    ),
)
def put_grant(
    engagement_id: Id, data: GrantPut, principal: Writer, ctx: Ctx, session: WriteSession
) -> EngagementPublic:
    """Records the grant notice (Zuwendungsbescheid) or changes it (`reason` required);
    every change goes into the history. Where the process needs the notice to approve,
    the funding period comes from it."""
    service.put(session, ctx, engagement_id, data, principal.name)
    return presenters.public_one(session, ctx, engagement_id)


@router.get(
    "/engagements/{engagement_id}/grant",
    response_model=GrantPublic,
    responses=errors(404, 422, e404="No such engagement, or no grant notice recorded."),
)
def get_grant(engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession) -> GrantPublic:
    grant = presenters.grant_public(service.get_for(session, engagement_id), ctx.settings.tz)
    assert grant is not None
    return grant
