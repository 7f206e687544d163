"""The login page, logging in with an API key, and logging out.

Logging in stores a new server-side session (service/web/session.py) and redirects to
the overview; logging out ends it on the server, for every replica at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.core.errors import Forbidden
from service.web import session as websession
from service.web.common import (
    MESSAGES,
    PageRoute,
    check_post,
    ctx_of,
    render,
    signed_in,
)
from service.web.inputs import read_form

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.get("/login")
def login_form(request: Request) -> Response:
    if signed_in(request):
        return RedirectResponse("/", status_code=303)
    msg = request.query_params.get("msg")
    return render(request, "login.html", {"notice": msg if msg in MESSAGES else None})


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: dict[str, str]) -> Response:
    sess = websession.load(request)
    if not websession.csrf_ok(sess, form.get(websession.CSRF_FIELD)):
        raise Forbidden("csrf_invalid")
    new = websession.login(ctx_of(request), form.get("api_key", ""))
    if new is None:
        return render(request, "login.html", {"notice": None, "failed": True}, 401)
    response = RedirectResponse("/", status_code=303)
    websession.store(request, response, new)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_logout, request, form)


def _logout(request: Request, form: dict[str, str]) -> Response:
    check_post(request, form, write=False)
    response = RedirectResponse("/login?msg=logged_out", status_code=303)
    websession.store(request, response, websession.anonymous())
    return response
