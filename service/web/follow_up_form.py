"""The follow-up form on a completed Fokusberatung's page ("Klimaschutzmanagement
anschließen"): the same service function as `POST /api/v1/engagements/{id}/follow-up`
(service/engagements/follow_up.py), in the same kind of write unit of work.

The one deliberate exception to "a final engagement is a closed case file"
(service/web/engagement.py `refuse_if_final`): following up is not a change of the
completed case but the start of a new one, and only a completed Fokusberatung may be
followed up. So this route does not go through `submit`, which refuses every POST to a
final engagement; it runs the same checks (path id, CSRF, login, a role that may write)
and lets the service refuse what is not a completed Fokusberatung or already followed
up. Success redirects (303) to the new engagement with a notice; a refusal shows the
predecessor's page again with the catalogue's text in the page's language.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.core.context import Context
from service.core.errors import DomainError
from service.engagements import follow_up
from service.engagements.schemas import FollowUpRequest
from service.web.common import PageRoute, check_post, ctx_of
from service.web.engagement import _refused
from service.web.inputs import path_id, read_form

router = APIRouter(include_in_schema=False, route_class=PageRoute)

# the notice the new engagement's page shows (`?msg=`, service/web/common.py MESSAGES)
NOTICE = "follow_up_created"


def _start(ctx: Context, eid: int, actor: str) -> int:
    """The follow-up in a write unit of work of its own, as the API's; the new id."""
    with ctx.db.write() as session:
        request = FollowUpRequest(process="klimaschutzmanagement")
        successor = follow_up.follow_up(session, ctx, eid, request, actor)
        assert successor.id is not None  # flushed by the service
        return successor.id


@router.post("/engagements/{engagement_id}/follow-up")
async def start_follow_up(request: Request, engagement_id: str) -> Response:
    form = await read_form(request)
    try:
        eid = path_id(engagement_id)
        sess = await run_in_threadpool(check_post, request, form)
        assert sess.principal is not None
        successor = await run_in_threadpool(_start, ctx_of(request), eid, sess.principal.name)
    except DomainError as exc:
        return await run_in_threadpool(_refused, request, engagement_id, form, exc)
    return RedirectResponse(f"/engagements/{successor}?msg={NOTICE}", status_code=303)
