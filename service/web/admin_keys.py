"""`/admin/keys`: API keys in the browser, for admins only (everyone else gets the 403
page). The same service functions as `/api/v1/api-keys` (service/auth/keys.py), the same
input schema (`ApiKeyCreate`) and the same write unit of work.

A new key's secret is shown once, in the answer to the POST that created it (never in a
URL or a redirect, and `Cache-Control: no-store` like every page): afterwards only its
prefix. Revoking asks first on a page of its own, so it works without JavaScript, and a
revoked key stops working at once in this process (the key cache forgets it on commit)
and ends every dashboard session opened with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from service.auth.api import ApiKeyCreate
from service.auth.keys import Role, create_key, list_keys, revoke_key
from service.auth.models import ApiKey
from service.core.errors import Forbidden, NotFound
from service.web import i18n
from service.web import session as websession
from service.web.common import PageRoute, check_post, ctx_of, error_page, render, signed_in
from service.web.inputs import path_id, read_form

router = APIRouter(include_in_schema=False, route_class=PageRoute)

ROLES = tuple(role.value for role in Role)


def admin_or_refusal(request: Request) -> Response | None:
    """None for an admin; else the login redirect or the 403 page."""
    sess = signed_in(request)
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    assert sess.principal is not None
    if sess.principal.role != Role.admin:
        return error_page(request, 403, i18n.STRINGS[i18n.language(request)]["forbidden"])
    return None


def check_admin_post(request: Request, form: dict[str, str]) -> None:
    """CSRF and login as for every form, then the admin role."""
    sess = check_post(request, form, write=False)
    assert sess.principal is not None
    if sess.principal.role != Role.admin:
        raise Forbidden("role_read_only")


def when(request: Request, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ctx_of(request).settings.tz).strftime("%d.%m.%Y %H:%M")


def _row(request: Request, row: ApiKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "prefix": row.key_prefix,
        "created": when(request, row.created_at),
        "revoked": when(request, row.revoked_at),
    }


def _page(request: Request, status: int = 200, **extra: Any) -> Response:
    ctx = ctx_of(request)
    with ctx.db.read() as session:
        keys = [_row(request, row) for row in list_keys(session)]
    msg = request.query_params.get("msg")
    values: dict[str, Any] = {
        "keys": keys,
        "roles": ROLES,
        "created": None,
        "errors": {},
        "values": {},
        "notice": msg if msg in ("revoked",) else None,
        **extra,
    }
    return render(request, "admin_keys.html", values, status)


@router.get("/admin/keys")
def keys_page(request: Request) -> Response:
    return admin_or_refusal(request) or _page(request)


@router.post("/admin/keys")
async def create(request: Request) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_create, request, form)


def _create(request: Request, form: dict[str, str]) -> Response:
    check_admin_post(request, form)
    t = i18n.STRINGS[i18n.language(request)]
    try:
        data = ApiKeyCreate.model_validate(
            {"name": form.get("name", "").strip(), "role": form.get("role", "")}
        )
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error.get("loc") else "name"
            errors.setdefault(field, t["ak_err_role"] if field == "role" else t["ak_err_name"])
        return _page(request, 422, errors=errors, values=form)
    ctx = ctx_of(request)
    with ctx.db.write() as session:
        row, secret = create_key(session, ctx.clock, name=data.name, role=data.role)
        created = {"name": row.name, "role": row.role, "secret": secret}
    return _page(request, 201, created=created)


@router.get("/admin/keys/{key_id}/revoke")
def confirm_revoke(request: Request, key_id: str) -> Response:
    refused = admin_or_refusal(request)
    if refused is not None:
        return refused
    number = path_id(key_id)
    ctx = ctx_of(request)
    with ctx.db.read() as session:
        row = session.get(ApiKey, number)
        if row is None:
            raise NotFound("not_found")
        key = _row(request, row)
        admins_left = sum(
            1
            for other in list_keys(session)
            if other.role == Role.admin and other.revoked_at is None and other.id != number
        )
    return render(
        request,
        "admin_keys_revoke.html",
        {
            "key": key,
            # what revoking it would also do: end this session, or leave no admin
            "own": websession.key_id_of(ctx, websession.load(request)) == number,
            "last_admin": key["role"] == Role.admin and not key["revoked"] and admins_left == 0,
        },
    )


@router.post("/admin/keys/{key_id}/revoke")
async def revoke(request: Request, key_id: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_revoke, request, key_id, form)


def _revoke(request: Request, key_id: str, form: dict[str, str]) -> Response:
    number = path_id(key_id)
    check_admin_post(request, form)
    ctx = ctx_of(request)
    with ctx.db.write() as session:
        if revoke_key(session, ctx.clock, number) is None:
            raise NotFound("not_found")
    return RedirectResponse("/admin/keys?msg=revoked", status_code=303)
