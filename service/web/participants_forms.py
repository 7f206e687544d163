"""The participant forms of the engagement page: add one, correct one, remove (erase) one.

Adding and correcting read the fields through the API's `ParticipantCreate`, so the
page refuses exactly what the API refuses (an address without a dot in its domain, a
line break in a name, an address another participant already has). Removing erases the
person as `DELETE /api/v1/participants/{id}` does; the page asks for confirmation first
and says that their invitations and answers go with them.
"""

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


def _fields(form: dict[str, str]) -> ParticipantCreate:
    return validate(
        ParticipantCreate,
        {
            "name": form.get("name", ""),
            "email": form.get("email", ""),
            "organisation": form.get("organisation") or None,
            "role": form.get("role") or None,
            "salutation": form.get("salutation") or None,
        },
    )


def _participant_of(session: Session, eid: int, form: dict[str, str]) -> Participant:
    """The participant the form names, only one of this engagement."""
    pid = field_id(form, "participant_id")
    person = session.get(Participant, pid)
    if person is None or person.engagement_id != eid:
        raise NotFound(
            "participant_not_in_engagement",
            participant=pid,
            engagement=eid,
            extra={"field": "participant_id"},
        )
    return person


@form_route(router, "/participants", anchor="participants")
@in_write
def add(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    participants.create(session, ctx, eid, _fields(form), actor)
    return "participant"


@form_route(router, "/participants/update", anchor="participants")
@in_write
def update(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Name, address, organisation and role as the edit form shows them."""
    person = _participant_of(session, eid, form)
    assert person.id is not None
    participants.change(session, ctx, person.id, _fields(form), actor)
    return "pt_changed"


@form_route(router, "/participants/remove", anchor="participants")
@in_write
def remove(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Erases the participant (as the API's DELETE does), only one of this engagement."""
    person = _participant_of(session, eid, form)
    assert person.id is not None
    participants.erase(session, ctx, person.id, actor)
    return "removed"
