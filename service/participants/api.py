from __future__ import annotations

from fastapi import APIRouter, Response

from service.auth.deps import Ctx, Reader, Writer
from service.core.validation import Id
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors
from service.participants import service
from service.participants.schemas import ParticipantCreate, ParticipantPatch, ParticipantPublic

router = APIRouter(prefix="/api/v1", tags=["participants"])


def _public(row: object) -> ParticipantPublic:
    return ParticipantPublic.model_validate(row, from_attributes=True)


@router.post(
    "/engagements/{engagement_id}/participants",
    status_code=201,
    response_model=ParticipantPublic,
    responses=errors(
        403, 404, 409, 422, e409="Already a participant (`participant_id` is the existing one)."
    ),
)
def add_participant(
    engagement_id: Id, data: ParticipantCreate, principal: Writer, ctx: Ctx, session: WriteSession
) -> ParticipantPublic:
    return _public(service.create(session, ctx, engagement_id, data, principal.name))


@router.get(
    "/engagements/{engagement_id}/participants",
    response_model=list[ParticipantPublic],
    responses=errors(404, 422),
)
def list_participants(
    engagement_id: Id, principal: Reader, session: ReadSession
) -> list[ParticipantPublic]:
    return [_public(p) for p in service.list_for(session, engagement_id)]


@router.patch(
    "/participants/{participant_id}",
    response_model=ParticipantPublic,
    responses=errors(403, 404, 409, 422, e409="Another participant has this address."),
)
def amend_participant(
    participant_id: Id,
    patch: ParticipantPatch,
    principal: Writer,
    ctx: Ctx,
    session: WriteSession,
) -> ParticipantPublic:
    """Corrects a participant: only the fields sent change (`salutation: null` removes
    the form of address; the letters then open with the full name)."""
    return _public(service.amend(session, ctx, participant_id, patch, principal.name))


@router.delete("/participants/{participant_id}", status_code=204, responses=errors(403, 404, 422))
def erase_participant(
    participant_id: Id, principal: Writer, ctx: Ctx, session: WriteSession
) -> Response:
    service.erase(session, ctx, participant_id, principal.name)
    return Response(status_code=204)
