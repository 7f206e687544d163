from __future__ import annotations

from fastapi import APIRouter

from service.auth.deps import Ctx, Reader, Writer
from service.deps import ReadSession, WriteSession
from service.mail import invitations
from service.mail.api import router as messages_router
from service.timeutil import from_client
from service.validation import Id
from service.workshops import service
from service.workshops.schemas import (
    InvitationPublic,
    InvitationRequest,
    InvitationsQueued,
    WorkshopCreate,
    WorkshopPublic,
    WorkshopUpdate,
)

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


@router.patch("/workshops/{workshop_id}", response_model=WorkshopPublic)
def change_workshop(
    workshop_id: Id, data: WorkshopUpdate, principal: Writer, ctx: Ctx, session: WriteSession
) -> WorkshopPublic:
    """Moves or renames the workshop; invitees get an update (same UID, SEQUENCE + 1)."""
    changes: dict[str, object] = {}
    tz = ctx.settings.tz
    for field in data.model_fields_set:
        value = getattr(data, field)
        changes[field] = from_client(value, tz, field) if field.endswith("_at") else value
    workshop = invitations.reschedule(session, ctx, workshop_id, changes, principal.name)
    return service.public(session, ctx, workshop)


@router.post("/workshops/{workshop_id}/cancel", response_model=WorkshopPublic)
def cancel_workshop(
    workshop_id: Id, principal: Writer, ctx: Ctx, session: WriteSession
) -> WorkshopPublic:
    """Cancels the workshop; invitees get METHOD:CANCEL (same UID, SEQUENCE + 1)."""
    workshop = invitations.cancel(session, ctx, workshop_id, principal.name)
    return service.public(session, ctx, workshop)


@router.post(
    "/workshops/{workshop_id}/invitations", status_code=202, response_model=InvitationsQueued
)
def invite(
    workshop_id: Id,
    principal: Writer,
    ctx: Ctx,
    session: WriteSession,
    data: InvitationRequest | None = None,
) -> InvitationsQueued:
    """Invites the listed participants (default: all); someone invited before is skipped."""
    ids = data.participant_ids if data is not None else None
    queued = invitations.invite(session, ctx, workshop_id, ids, principal.name)
    return InvitationsQueued(queued=queued)


@router.get("/workshops/{workshop_id}/invitations", response_model=list[InvitationPublic])
def list_invitations(
    workshop_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> list[InvitationPublic]:
    return service.public(session, ctx, service.get(session, workshop_id)).invitations


# GET /api/v1/engagements/{id}/messages (one engagement's outbox), from the mail feature
router.include_router(messages_router)
