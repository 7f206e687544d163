"""The participant forms of the engagement page: add one, remove (erase) one."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from service.core.context import Context
from service.core.errors import NotFound
from service.participants import service as participants
from service.participants.models import Participant
from service.participants.schemas import ParticipantCreate
from service.web.common import PageRoute
from service.web.engagement import form_route, in_write
from service.web.inputs import field_id, validate

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@form_route(router, "/participants", anchor="participants")
@in_write
def add(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    data = validate(
        ParticipantCreate,
        {
            "name": form.get("name", ""),
            "email": form.get("email", ""),
            "organisation": form.get("organisation") or None,
            "role": form.get("role") or None,
        },
    )
    participants.create(session, ctx, eid, data, actor)
    return "participant"


@form_route(router, "/participants/remove", anchor="participants")
@in_write
def remove(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Erases the participant (as the API's DELETE does), only one of this engagement."""
    pid = field_id(form, "participant_id")
    person = session.get(Participant, pid)
    if person is None or person.engagement_id != eid:
        raise NotFound(f"participant {pid} not found in engagement {eid}")
    participants.erase(session, ctx, pid, actor)
    return "removed"
