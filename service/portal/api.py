"""The portal over HTTP: links managed under /api/v1 by staff (writers create and
revoke, every role may list), and the page itself at its secret address
`/portal/<token>` (HTML) and `/portal/<token>.json`, which need nothing else.

The page is in German unless the visitor asks for English: `?lang=` (remembered in the
dashboard's language cookie, as on every page with a language switch), else that
cookie, else the browser's `Accept-Language`. An unknown, expired or revoked token,
or anything that is no token at all, is the same 404 page: it says nothing about which,
and never a 500. Search engines are told not to index it, and no address of it leaves
with a click on a link (`Referrer-Policy: no-referrer`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from service.auth.deps import Ctx, Reader, Writer
from service.core.errors import NotFound
from service.core.translations import DEFAULT, LANGUAGES
from service.core.validation import Id
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors
from service.http.pages import COOKIE, page
from service.portal import links
from service.portal.schemas import PortalLinkCreated, PortalLinkPublic, PortalProblem, PortalView
from service.portal.view import view

router = APIRouter(prefix="/api/v1", tags=["portal"])
page_router = APIRouter(tags=["portal"])

# anything in one path segment: what is not a token is answered like an unknown one
Token = Annotated[str, Path(description="the token from the mailed link")]

_PRIVATE = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}
_MISSING = "unknown, expired or revoked link (says not which)"
_PROBLEM = {"application/json": {"schema": PortalProblem.model_json_schema()}}
_HTML = {"text/html": {"schema": {"type": "string"}}}


@router.post(
    "/engagements/{engagement_id}/portal-link",
    status_code=201,
    response_model=PortalLinkCreated,
    summary="Mail the contact person a read-only link to the engagement (30 days)",
    responses=errors(
        403,
        404,
        409,
        422,
        e409="The engagement is in a final state and takes no new link.",
    ),
)
def create_portal_link(
    engagement_id: Id, principal: Writer, ctx: Ctx, session: WriteSession
) -> PortalLinkCreated:
    return links.create(session, ctx, engagement_id, principal.name)


@router.get(
    "/engagements/{engagement_id}/portal-links",
    response_model=list[PortalLinkPublic],
    summary="The engagement's portal links, newest first (without their tokens)",
    responses=errors(404, 422),
)
def list_portal_links(
    engagement_id: Id, principal: Reader, ctx: Ctx, session: ReadSession
) -> list[PortalLinkPublic]:
    now = ctx.clock.now()
    return [links.public(link, now) for link in links.list_for(session, engagement_id)]


@router.delete(
    "/engagements/{engagement_id}/portal-links/{link_id}",
    status_code=204,
    summary="Revoke a portal link at once (again: no change)",
    responses=errors(403, 404, 422, e404="No such engagement, or no such link of it."),
)
def revoke_portal_link(
    engagement_id: Id, link_id: Id, principal: Writer, ctx: Ctx, session: WriteSession
) -> Response:
    links.revoke(session, ctx, engagement_id, link_id, principal.name)
    return Response(status_code=204)


def portal_language(request: Request) -> str:
    """`?lang=`, else the remembered choice, else the browser's first of German and
    English in `Accept-Language`, else German."""
    wanted = request.query_params.get("lang")
    if wanted in LANGUAGES:
        return wanted
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    for part in request.headers.get("accept-language", "").split(",")[:20]:
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def _private(response: Response) -> Response:
    for name, value in _PRIVATE.items():
        response.headers[name] = value
    return response


@page_router.get(
    links.PORTAL_PATH + "/{token}.json",
    response_model=PortalView,
    summary="The municipality's view as JSON",
    responses={404: {"description": _MISSING, "content": _PROBLEM}},
)
def portal_json(token: Token, request: Request, ctx: Ctx, session: ReadSession) -> Response:
    link = links.active_link(session, ctx, token)
    if link is None:
        raise NotFound("portal_not_found")
    found = view(session, ctx, link, portal_language(request))
    return _private(JSONResponse(found.model_dump(mode="json")))


_PAGE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"description": "the read-only page of the engagement", "content": _HTML},
    404: {"description": _MISSING, "content": {**_HTML, **_PROBLEM}},
}


@page_router.get(
    links.PORTAL_PATH + "/{token}",
    response_class=HTMLResponse,
    summary="The municipality's read-only page behind the mailed link",
    responses=_PAGE_DOC,
)
def portal_page(token: Token, request: Request, ctx: Ctx, session: ReadSession) -> Response:
    lang = portal_language(request)
    link = links.active_link(session, ctx, token)
    if link is None:
        return _private(page(request, "portal_missing.html", {"lang": lang}, status_code=404))
    context = {
        "p": view(session, ctx, link, lang),
        "lang": lang,
        "privacy_url": ctx.settings.privacy_url,
        "imprint_url": ctx.settings.imprint_url,
        "sender_name": ctx.settings.mail_from_name,
    }
    return _private(page(request, "portal.html", context))
