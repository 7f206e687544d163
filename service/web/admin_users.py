"""`/admin/users`: personal accounts in the browser, for admins only (everyone else gets
the 403 page). The same service functions and input schema as `/api/v1/users`
(service/accounts), in the same write unit of work.

A new account's one-time link is shown once, in the answer to the POST that created it
(never in a URL or a redirect); the admin hands it to the person, who sets the password.
Disabling asks first on a page of its own, so it works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from service.accounts import tokens, users
from service.accounts.models import User
from service.accounts.schemas import UserCreate
from service.core import input_errors
from service.core.errors import Conflict, NotFound
from service.web import i18n
from service.web.admin_keys import ROLES, admin_or_refusal, check_admin_post, when
from service.web.common import PageRoute, ctx_of, render
from service.web.inputs import path_id, read_form

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _row(request: Request, user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "firm": user.firm or "",
        "password_set": user.password_hash is not None,
        "disabled": when(request, user.disabled_at),
    }


def _page(request: Request, status: int = 200, **extra: Any) -> Response:
    with ctx_of(request).db.read() as session:
        accounts = [_row(request, user) for user in users.list_all(session)]
    msg = request.query_params.get("msg")
    values: dict[str, Any] = {
        "accounts": accounts,
        "roles": ROLES,
        "created": None,
        "errors": {},
        "values": {},
        "notice": msg if msg in ("disabled",) else None,
        **extra,
    }
    return render(request, "admin_users.html", values, status)


@router.get("/admin/users")
def users_page(request: Request) -> Response:
    return admin_or_refusal(request) or _page(request)


@router.post("/admin/users")
async def create(request: Request) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_create, request, form)


def _create(request: Request, form: dict[str, str]) -> Response:
    check_admin_post(request, form)
    language = i18n.language(request)
    fields = {key: form.get(key, "").strip() for key in ("email", "name", "role", "firm")}
    try:
        data = UserCreate.model_validate({**fields, "firm": fields["firm"] or None})
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for found in input_errors.problems(list(exc.errors())):
            errors.setdefault(found.field.split(".")[0], found.text(language))
        return _page(request, 422, errors=errors, values=fields)
    ctx = ctx_of(request)
    try:
        with ctx.db.write() as session:
            user, token = users.create(session, ctx.clock, data)
            created = {
                "name": user.name,
                "role": user.role,
                "link": tokens.link(ctx.settings.base_url, token),
            }
    except Conflict as exc:
        return _page(request, 409, errors={"email": exc.text(language)}, values=fields)
    return _page(request, 201, created=created)


@router.get("/admin/users/{user_id}/disable")
def confirm_disable(request: Request, user_id: str) -> Response:
    refused = admin_or_refusal(request)
    if refused is not None:
        return refused
    number = path_id(user_id)
    with ctx_of(request).db.read() as session:
        user = session.get(User, number)
        if user is None:
            raise NotFound("not_found")
        account = _row(request, user)
    return render(request, "admin_users_disable.html", {"account": account})


@router.post("/admin/users/{user_id}/disable")
async def disable(request: Request, user_id: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_disable, request, user_id, form)


def _disable(request: Request, user_id: str, form: dict[str, str]) -> Response:
    number = path_id(user_id)
    check_admin_post(request, form)
    ctx = ctx_of(request)
    try:
        with ctx.db.write() as session:
            users.disable(session, ctx.clock, number)
    except NotFound:
        raise NotFound("not_found") from None
    return RedirectResponse("/admin/users?msg=disabled", status_code=303)
