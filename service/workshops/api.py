from __future__ import annotations

from fastapi import APIRouter

from service.auth.deps import Ctx, Reader, Writer
from service.deps import ReadSession, WriteSession
from service.validation import Id
from service.workshops import service
from service.workshops.schemas import WorkshopCreate, WorkshopPublic

router = APIRouter(prefix="/api/v1", tags=["workshops"])


@router.post(
    "/engagements/{engagement_id}/workshops", status_code=201, response_model=WorkshopPublic
)
def add_workshop(
    engagement_id: Id, data: WorkshopCreate, principal: Writer, ctx: Ctx, session: WriteSession
) -> WorkshopPublic:
    return service.public(session, ctx, service.create(session, ctx, engagement_id, data))


@router.get("/engagements/{engagement_id}/workshops", response_model=list[WorkshopPublic])
def list_workshops(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> list[WorkshopPublic]:
    return [service.public(session, ctx, w) for w in service.list_for(session, engagement_id)]


@router.get("/workshops/{workshop_id}", response_model=WorkshopPublic)
def get_workshop(
    workshop_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> WorkshopPublic:
    return service.public(session, ctx, service.get(session, workshop_id))
