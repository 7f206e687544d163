"""The engagement page's "Zugang für die Kommune" (templates/web/engagement/portal.html):
send the contact person a portal link, and revoke one. The same service functions as
`POST /api/v1/engagements/{id}/portal-link` and `DELETE …/portal-links/{link_id}`
(service/portal/links.py) in the same kind of write unit of work; both go through
`submit` (CSRF, login, a role that may write, and no form on a final engagement: a
closed case file gets no new link, and its links are revoked through the API)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from service.core.context import Context
from service.core.errors import NotFound
from service.portal import links
from service.web.common import PageRoute
from service.web.engagement import form_route, in_write
from service.web.inputs import bounded_int

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@form_route(router, "/portal-link", anchor="portal")
@in_write
def send_link(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """A new link, mailed to the contact person (the URL is not shown: it is theirs)."""
    links.create(session, ctx, eid, actor)
    return "portal_sent"


@form_route(router, "/portal-links/revoke", anchor="portal")
@in_write
def revoke_link(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    link_id = bounded_int(form.get("link_id"), 0, 0, 2**31 - 1)
    if link_id <= 0:
        raise NotFound("portal_link_not_found", link=form.get("link_id", "")[:20])
    links.revoke(session, ctx, eid, link_id, actor)
    return "portal_revoked"
