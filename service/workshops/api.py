from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from sqlmodel import Session

from service.auth.deps import Ctx, Reader, Writer
from service.core.context import Context
from service.core.errors import Conflict
from service.core.input_errors import label
from service.core.timeutil import from_client
from service.core.validation import Id
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors
from service.workshops import invitations, reminders, service
from service.workshops.schemas import (
    InvitationPublic,
    InvitationRequest,
    InvitationsQueued,
    RemindersQueued,
    WorkshopCancel,
    WorkshopCreate,
    WorkshopPublic,
    WorkshopUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["workshops"])
_CANCELLED = "The workshop is cancelled."


@router.post(
    "/engagements/{engagement_id}/workshops",
    status_code=201,
    response_model=WorkshopPublic,
    responses=errors(403, 404, 422),
)
def add_workshop(
    engagement_id: Id, data: WorkshopCreate, principal: Writer, ctx: Ctx, session: WriteSession
) -> WorkshopPublic:
    workshop = service.create(session, ctx, engagement_id, data, principal.name)
    return service.public(session, ctx, workshop)


@router.get(
    "/engagements/{engagement_id}/workshops",
    response_model=list[WorkshopPublic],
    responses=errors(404, 422),
)
def list_workshops(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> list[WorkshopPublic]:
    return [service.public(session, ctx, w) for w in service.list_for(session, engagement_id)]


@router.get("/workshops/{workshop_id}", response_model=WorkshopPublic, responses=errors(404, 422))
def get_workshop(
    workshop_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> WorkshopPublic:
    return service.public(session, ctx, service.get(session, workshop_id))


@router.patch(
    "/workshops/{workshop_id}",
    response_model=WorkshopPublic,
    responses=errors(
        403,
        404,
        409,
        422,
        e409="The workshop is cancelled, or the one time sent would end it before it starts "
        "(send both to move it).",
        e422="Invalid input, or ends_at before starts_at.",
    ),
)
def change_workshop(
    workshop_id: Id, data: WorkshopUpdate, principal: Writer, ctx: Ctx, session: WriteSession
) -> WorkshopPublic:
    """Moves or renames the workshop; invitees get an update (same UID, SEQUENCE + 1)."""
    changes: dict[str, datetime | str] = {}
    tz = ctx.settings.tz
    for field in data.model_fields_set:
        value = getattr(data, field)
        changes[field] = from_client(value, tz, field) if field.endswith("_at") else value
    _check_one_end(session, ctx, workshop_id, changes)
    workshop = invitations.reschedule(session, ctx, workshop_id, changes, principal.name)
    return service.public(session, ctx, workshop)


def _check_one_end(
    session: Session, ctx: Context, workshop_id: int, changes: dict[str, datetime | str]
) -> None:
    """One end moved past the other, stored one: the body is fine on its own but conflicts
    with the workshop as it is (409). Both ends sent in the wrong order are invalid input
    (422, from the service)."""
    sent = {"starts_at", "ends_at"} & changes.keys()
    if len(sent) != 1:
        return
    workshop = service.get(session, workshop_id)
    starts = changes.get("starts_at", workshop.starts_at)
    ends = changes.get("ends_at", workshop.ends_at)
    assert isinstance(starts, datetime) and isinstance(ends, datetime)
    if ends < starts:
        (field,) = sent
        other = "ends_at" if field == "starts_at" else "starts_at"
        local = getattr(workshop, other).astimezone(ctx.settings.tz)
        stored = local.isoformat()
        raise Conflict(
            "workshop_move_one_time",
            field_en=field,
            other_en=other,
            stored_en=stored,
            field_de=label(field, "de"),
            other_de=label(other, "de"),
            stored_de=local.strftime("%d.%m.%Y %H:%M"),
        )


@router.post(
    "/workshops/{workshop_id}/cancel",
    response_model=WorkshopPublic,
    responses=errors(403, 404, 422),
)
def cancel_workshop(
    workshop_id: Id,
    principal: Writer,
    ctx: Ctx,
    session: WriteSession,
    data: WorkshopCancel | None = None,
) -> WorkshopPublic:
    """Cancels the workshop; invitees get METHOD:CANCEL (same UID, SEQUENCE + 1), with
    the optional `reason` in the mail."""
    reason = data.reason if data is not None else None
    workshop = invitations.cancel(session, ctx, workshop_id, principal.name, reason or None)
    return service.public(session, ctx, workshop)


@router.post(
    "/workshops/{workshop_id}/invitations",
    status_code=202,
    response_model=InvitationsQueued,
    responses=errors(
        403,
        404,
        409,
        422,
        e404="No such workshop, or a listed participant is not one of the engagement's.",
        e409="The workshop is cancelled or already over.",
    ),
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


@router.get(
    "/workshops/{workshop_id}/invitations",
    response_model=list[InvitationPublic],
    responses=errors(404, 422),
)
def list_invitations(
    workshop_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> list[InvitationPublic]:
    return service.public(session, ctx, service.get(session, workshop_id)).invitations


@router.post(
    "/workshops/{workshop_id}/reminders",
    response_model=RemindersQueued,
    responses=errors(
        403,
        404,
        409,
        422,
        e409="The workshop is cancelled or already over, or its engagement is final.",
    ),
)
def remind(workshop_id: Id, principal: Writer, ctx: Ctx, session: WriteSession) -> RemindersQueued:
    """Mails every invitee who has not answered yet a reminder with their RSVP link; a
    person is reminded at most once per workshop per day (`reminded` counts only the
    reminders newly queued, 0 on a second call the same day)."""
    return RemindersQueued(reminded=reminders.remind(session, ctx, workshop_id, principal.name))
