"""Calendar feeds over HTTP: managed under /api/v1 with a key; the feed itself at its
secret URL (`/calendar/<token>.ics`), which needs nothing else, as calendar apps send
no credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from service.auth.deps import Ctx, Reader
from service.auth.keys import Role
from service.calendar_feeds import service
from service.calendar_feeds.schemas import FeedCreated, FeedPublic, FeedRequest
from service.core.validation import Id
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["calendar feeds"])
feed_router = APIRouter(tags=["calendar feeds"])

Token = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,100}$")]


@router.post("/calendar-feeds", status_code=201, response_model=FeedCreated, responses=errors(422))
def create_feed(
    data: FeedRequest, principal: Reader, ctx: Ctx, session: WriteSession
) -> FeedCreated:
    return service.create(session, ctx, principal.name, data, firm=principal.firm)


@router.get("/calendar-feeds", response_model=list[FeedPublic])
def list_feeds(principal: Reader, session: ReadSession) -> list[FeedPublic]:
    return [service.public(feed) for feed in service.list_for(session, principal.name)]


@router.delete("/calendar-feeds/{feed_id}", status_code=204, responses=errors(404, 422))
def revoke_feed(feed_id: Id, principal: Reader, ctx: Ctx, session: WriteSession) -> Response:
    admin = principal.role is Role.admin
    service.revoke(session, ctx, principal.name, feed_id, admin=admin)
    return Response(status_code=204)


@feed_router.get(
    f"{service.FEED_PATH}/{{token}}.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "The feed (iCalendar)."},
        **errors(404, 422, e404="No such feed, or it was revoked."),
    },
)
def calendar_feed(token: Token, ctx: Ctx, session: ReadSession) -> Response:
    return Response(
        service.render(session, ctx, token),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )
