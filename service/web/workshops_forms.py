"""The workshop forms of the engagement page: plan a workshop, invite every participant
to one."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from service.core.context import Context
from service.core.errors import NotFound
from service.web.common import PageRoute
from service.web.engagement import form_route, in_write
from service.web.inputs import field_id, validate
from service.workshops import invitations
from service.workshops import service as workshops
from service.workshops.schemas import WorkshopCreate

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@form_route(router, "/workshops", anchor="workshops")
@in_write
def add(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    data = validate(
        WorkshopCreate,
        {
            "title": form.get("title", ""),
            "starts_at": form.get("starts_at", ""),
            "ends_at": form.get("ends_at", ""),
            "location": form.get("location", ""),
        },
    )
    workshops.create(session, ctx, eid, data, actor)
    return "workshop"


@form_route(router, "/invitations", anchor="workshops")
@in_write
def invite(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Invites every participant not invited yet; the notice says how many."""
    wid = field_id(form, "workshop_id")
    workshop = workshops.get(session, wid)
    if workshop.engagement_id != eid:
        raise NotFound(f"workshop {wid} not found in engagement {eid}")
    queued = invitations.invite(session, ctx, wid, None, actor)
    return f"invited&n={queued}"
