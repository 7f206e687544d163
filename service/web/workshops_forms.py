"""The workshop forms of the engagement page: plan a workshop (with agenda and places),
invite the participants not invited yet, remind those who have not answered, edit or
reschedule it, cancel it. A workshop on a weekend or a public holiday is saved; the page
shows the warning with the workshop (workshops.html).

Each calls the service function the API's route calls, in the same unit of work
(`in_write`), so invitees get the same mail (an update with the same calendar UID and a
higher SEQUENCE, a METHOD:CANCEL, a reminder at most once a day) whichever way the change
came. A final engagement's forms are refused before any of these runs (engagement.py).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from sqlmodel import Session

from service.core.context import Context
from service.core.errors import NotFound
from service.core.timeutil import from_client
from service.web.common import PageRoute
from service.web.engagement import form_route, in_write
from service.web.inputs import field_id, validate
from service.workshops import invitations, reminders
from service.workshops import service as workshops
from service.workshops.models import Workshop
from service.workshops.schemas import WorkshopCancel, WorkshopCreate, WorkshopUpdate

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _places_and_agenda(form: dict[str, str]) -> dict[str, object]:
    """The optional fields as the API takes them: an empty field is none (no agenda, no
    limit), digits are a number; anything else goes to the schema as text and is refused
    there with the field's German or English label."""
    values: dict[str, object] = {}
    if "agenda" in form:
        values["agenda"] = form["agenda"].replace("\r\n", "\n").strip() or None
    if "capacity" in form:
        raw = form["capacity"].strip()
        values["capacity"] = (
            int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else (raw or None)
        )
    return values


def _workshop_of(session: Session, eid: int, form: dict[str, str]) -> Workshop:
    """The workshop the form names, only one of this engagement (another's is a 404
    about the form, shown on the page)."""
    wid = field_id(form, "workshop_id")
    workshop = session.get(Workshop, wid)
    if workshop is None or workshop.engagement_id != eid:
        raise NotFound(
            "workshop_not_in_engagement",
            workshop=wid,
            engagement=eid,
            extra={"field": "workshop_id"},
        )
    return workshop


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
            **_places_and_agenda(form),
        },
    )
    workshops.create(session, ctx, eid, data, actor)
    return "workshop"


@form_route(router, "/invitations", anchor="workshops")
@in_write
def invite(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Invites every participant not invited yet; the notice says how many."""
    workshop = _workshop_of(session, eid, form)
    assert workshop.id is not None
    queued = invitations.invite(session, ctx, workshop.id, None, actor)
    return f"invited&n={queued}"


@form_route(router, "/workshops/remind", anchor="workshops")
@in_write
def remind(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Reminds every invitee without an answer (`POST /api/v1/workshops/{id}/reminders`);
    the notice says how many, 0 when all of them were reminded today already."""
    workshop = _workshop_of(session, eid, form)
    assert workshop.id is not None
    reminded = reminders.remind(session, ctx, workshop.id, actor)
    return f"ws_reminded&n={reminded}"


@form_route(router, "/workshops/update", anchor="workshops")
@in_write
def update(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Title, place and times as the form shows them all; only what differs from the
    stored workshop changes, and only then do invitees get an update
    (`invitations.reschedule`, as `PATCH /api/v1/workshops/{id}`)."""
    workshop = _workshop_of(session, eid, form)
    assert workshop.id is not None
    data = validate(
        WorkshopUpdate,
        {
            "title": form.get("title", ""),
            "starts_at": form.get("starts_at", ""),
            "ends_at": form.get("ends_at", ""),
            "location": form.get("location", ""),
            **_places_and_agenda(form),
        },
    )
    tz = ctx.settings.tz
    changes: dict[str, datetime | str | int | None] = {}
    for field in ("title", "location"):
        value = getattr(data, field)
        assert isinstance(value, str)
        changes[field] = value
    if "agenda" in form:  # a form without the fields (an old page) leaves them as they are
        changes["agenda"] = data.agenda or None
    if "capacity" in form:
        changes["capacity"] = data.capacity
    for field in ("starts_at", "ends_at"):
        value = getattr(data, field)
        assert isinstance(value, datetime)
        changes[field] = from_client(value, tz, field)
    invitations.reschedule(session, ctx, workshop.id, changes, actor)
    return "ws_changed"


@form_route(router, "/workshops/cancel", anchor="workshops")
@in_write
def cancel(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """Cancels the workshop (the page asks for confirmation first); every invitee gets a
    METHOD:CANCEL with the optional reason (`POST /api/v1/workshops/{id}/cancel`)."""
    workshop = _workshop_of(session, eid, form)
    assert workshop.id is not None
    data = validate(WorkshopCancel, {"reason": form.get("reason") or None})
    invitations.cancel(session, ctx, workshop.id, actor, data.reason or None)
    return "ws_cancelled"
