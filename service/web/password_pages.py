"""Password pages: `/password/{token}` sets a password through a one-time link (a new
account, or a reset), `/account/password` changes it for a signed-in account.

A link that does not exist answers 404, a used or expired one 410, each with a page
that says what to do. Setting or changing a password ends every session of the
account (service/accounts/signin.py); after a change this browser gets a new one, after
a link the person signs in with the new password. The pages carry
`Referrer-Policy: no-referrer`, so the token in the address goes nowhere else.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.accounts import signin, tokens
from service.core.errors import Forbidden
from service.web import session as websession
from service.web.common import MESSAGES, PageRoute, check_post, ctx_of, render, signed_in
from service.web.inputs import read_form

router = APIRouter(include_in_schema=False, route_class=PageRoute)

_LINK_STATUS = {"unknown": 404, "used": 410, "expired": 410}


def _private(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_page(request: Request, state: str) -> Response:
    return _private(
        render(request, "password_link.html", {"state": state}, _LINK_STATUS.get(state, 404))
    )


def _set_form(request: Request, token: str, problem: str | None = None) -> Response:
    with ctx_of(request).db.read() as session:
        found = tokens.look_up(session, ctx_of(request).clock, token)
        if found.user is None:
            return _link_page(request, found.state)
        person = {"name": found.user.name, "email": found.user.email}
    values = {"person": person, "action": tokens.PATH + token, "problem": problem}
    return _private(render(request, "password_set.html", values, 422 if problem else 200))


@router.get("/password/{token}")
def set_password_form(request: Request, token: str) -> Response:
    return _set_form(request, token)


@router.post("/password/{token}")
async def set_password(request: Request, token: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_set, request, token, form)


def _set(request: Request, token: str, form: dict[str, str]) -> Response:
    sess = websession.load(request)
    if not websession.csrf_ok(sess, form.get(websession.CSRF_FIELD)):
        raise Forbidden("csrf_invalid")
    outcome = signin.set_with_token(
        ctx_of(request), token, form.get("password", ""), form.get("confirm", "")
    )
    if outcome in _LINK_STATUS:
        return _link_page(request, str(outcome))
    if isinstance(outcome, str):
        return _set_form(request, token, outcome)
    return _private(RedirectResponse("/login?msg=acc_pw_set", status_code=303))


@router.get("/account/password")
def change_form(request: Request) -> Response:
    sess = signed_in(request)
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    msg = request.query_params.get("msg")
    return _change_page(request, None, msg if msg in MESSAGES else None)


def _change_page(request: Request, problem: str | None, notice: str | None = None) -> Response:
    sess = websession.load(request)
    no_account = sess.principal is None or sess.principal.user_id is None
    status = 403 if no_account else 422 if problem else 200
    values = {"no_account": no_account, "problem": problem, "notice": notice}
    return render(request, "password_change.html", values, status)


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_change, request, form)


def _change(request: Request, form: dict[str, str]) -> Response:
    sess = check_post(request, form, write=False)
    assert sess.principal is not None
    if sess.principal.user_id is None:
        return _change_page(request, None)
    ctx = ctx_of(request)
    outcome = signin.change(
        ctx,
        sess.principal.user_id,
        form.get("current", ""),
        form.get("password", ""),
        form.get("confirm", ""),
    )
    if isinstance(outcome, str):
        return _change_page(request, outcome)
    response = RedirectResponse("/account/password?msg=acc_pw_changed", status_code=303)
    websession.store(request, response, websession.open_session(ctx, outcome))
    return response
