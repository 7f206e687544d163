"""The login page, logging in with email and password or with an API key, and logging
out.

Logging in stores a new server-side session (service/web/session.py) and redirects to
the overview; logging out ends it on the server, for every replica at once. A wrong
password and an unknown address get the same answer (401); a locked account gets 429
with `Retry-After` and the time it may try again (service/accounts/signin.py).
"""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.accounts import signin
from service.core.errors import Forbidden
from service.web import session as websession
from service.web.common import (
    MESSAGES,
    PageRoute,
    check_post,
    ctx_of,
    render,
    signed_in,
    words,
)
from service.web.inputs import clean, read_form

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
    if "api_key" in form:  # the second form: a key
        new = websession.login(ctx_of(request), form.get("api_key", ""))
        if new is None:
            return render(request, "login.html", {"notice": None, "failed": True}, 401)
    else:
        ctx = ctx_of(request)
        email = clean(form.get("email"), 254)
        outcome = signin.login(ctx, email, form.get("password", ""))
        if outcome.locked_until is not None:
            return _locked(request, email, outcome)
        if outcome.principal is None:
            return render(
                request, "login.html", {"notice": None, "pw_failed": True, "email": email}, 401
            )
        new = websession.open_session(ctx, outcome.principal)
    response = RedirectResponse("/", status_code=303)
    websession.store(request, response, new)
    return response


def _locked(request: Request, email: str, outcome: signin.Outcome) -> Response:
    """429: when the account may try again, in words and in `Retry-After`."""
    ctx = ctx_of(request)
    assert outcome.locked_until is not None
    seconds = outcome.retry_after(ctx.clock.now())
    t = words(request)
    wait = (
        t["acc_wait_seconds"].format(n=seconds)
        if seconds < 120
        else t["acc_wait_minutes"].format(n=math.ceil(seconds / 60))
    )
    time = outcome.locked_until.astimezone(ctx.settings.tz).strftime("%H:%M:%S")
    locked = {"time": time, "wait": wait}
    response = render(
        request, "login.html", {"notice": None, "locked": locked, "email": email}, 429
    )
    response.headers["Retry-After"] = str(seconds)
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
