from __future__ import annotations

from fastapi import APIRouter

from service.auth.deps import Ctx, Reader, Writer
from service.core.validation import Id
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors
from service.measures import service
from service.measures.schemas import MeasureCreate, MeasurePublic, MeasureUpdate

router = APIRouter(prefix="/api/v1", tags=["measures"])


def _public(row: object) -> MeasurePublic:
    return MeasurePublic.model_validate(row, from_attributes=True)


@router.post(
    "/engagements/{engagement_id}/measures",
    status_code=201,
    response_model=MeasurePublic,
    responses=errors(403, 404, 422),
)
def add_measure(
    engagement_id: Id, data: MeasureCreate, principal: Writer, ctx: Ctx, session: WriteSession
) -> MeasurePublic:
    return _public(service.create(session, ctx, engagement_id, data, principal.name))


@router.get(
    "/engagements/{engagement_id}/measures",
    response_model=list[MeasurePublic],
    responses=errors(404, 422),
)
def list_measures(
    engagement_id: Id, principal: Reader, session: ReadSession
) -> list[MeasurePublic]:
    return [_public(m) for m in service.list_for(session, engagement_id)]


@router.patch(
    "/measures/{measure_id}", response_model=MeasurePublic, responses=errors(403, 404, 422)
)
def update_measure(
    measure_id: Id, data: MeasureUpdate, principal: Writer, ctx: Ctx, session: WriteSession
) -> MeasurePublic:
    return _public(service.change(session, ctx, measure_id, data, principal.name))
