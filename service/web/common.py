"""What every dashboard page shares: rendering with the session, the one place a
domain error becomes an error page, and the checks every POST starts with.

The dashboard raises the domain errors of service/core/errors.py (the API's), never an
error type of its own: `PageRoute` renders any of them that leaves a page's endpoint as
the error page with its status, as service/http/http_errors.py renders them as JSON for
the API.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from service.auth import tenancy
from service.auth.keys import Principal
from service.core.context import Context
from service.core.errors import DomainError, Forbidden, Unauthorized
from service.http.pages import page
from service.web import i18n
from service.web import session as websession

# the notices a page shows after a change (`?msg=`): anything else is ignored
MESSAGES = {
    "transition",
    "participant",
    "removed",
    "workshop",
    "invited",
    "measure",
    "deadline",
    "owner",
    "logged_out",
    "pt_changed",  # service/web/participants_forms.py
    "ws_changed",  # service/web/workshops_forms.py (also ws_cancelled, ws_reminded)
    "ws_cancelled",
    "ws_reminded",
    "new_created",  # service/web/new_engagement.py
    "grant",  # service/web/programme_forms.py (also record, consulting_day)
    "record",
    "consulting_day",
    "follow_up_created",  # service/web/follow_up_form.py
    "portal_sent",  # service/web/portal_form.py (also portal_revoked)
    "portal_revoked",
    "acc_pw_set",  # service/web/password_pages.py (also acc_pw_changed)
    "acc_pw_changed",
}


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def words(request: Request) -> dict[str, str]:
    """The dashboard's words in the request's language."""
    return i18n.STRINGS[i18n.language(request)]


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A page with the session's user, CSRF token and role; a session this request
    created gets its cookie."""
    sess = websession.load(request)
    values = {
        "user": sess.principal,
        "csrf": sess.csrf,
        "may_write": sess.may_write,
        **context,
    }
    response = page(request, template, values, status_code)
    if sess.fresh:
        websession.store(request, response, sess)
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status)


def error_text(request: Request, exc: DomainError) -> str:
    """The error in the request's language (the catalogue's text, never the English
    `detail` on a German page)."""
    return exc.text(i18n.language(request))


class PageRoute(APIRoute):
    """A dashboard route: a domain error that leaves its endpoint becomes the error page
    with the error's status and its text in the page's language (rendered in a worker
    thread: the session is read from the database)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                message = error_text(request, exc)
                return await run_in_threadpool(error_page, request, exc.status_code, message)

        return page_handler


def signed_in(request: Request) -> websession.WebSession | None:
    """The signed-in session, or None. Another firm's object in the path is a 404 here,
    before the page reads it (service/auth/tenancy.py)."""
    sess = websession.load(request)
    if sess.principal is None:
        return None
    in_tenancy(request, sess.principal)
    return sess


def in_tenancy(request: Request, principal: Principal) -> None:
    """Another firm's object in the path answers as a missing one would: after the login
    and role checks, so whoever may not do something hears that for any id."""
    params = dict(request.path_params)
    if tenancy.needs_check(principal, params):
        error = tenancy.foreign(ctx_of(request), principal, params, tenancy.route_path(request))
        if error is not None:
            raise error


def check_post(
    request: Request, form: dict[str, str], *, write: bool = True
) -> websession.WebSession:
    """The checks every POST starts with: CSRF, then a login, then a role that may
    write. Returns the signed-in session."""
    sess = websession.load(request)
    if not websession.csrf_ok(sess, form.get(websession.CSRF_FIELD)):
        raise Forbidden("csrf_invalid")
    if sess.principal is None:
        raise Unauthorized("login_required")
    if write and not sess.may_write:
        raise Forbidden("role_read_only")
    in_tenancy(request, sess.principal)
    return sess
