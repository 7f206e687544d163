"""FastAPI dependencies: who is calling, and may they do this."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.types import Scope

from service.auth import tenancy
from service.auth.keys import KEY_CACHE, Principal, Role
from service.core.context import Context
from service.core.errors import Forbidden, Unauthorized

_cache = KEY_CACHE

# Where service/auth/gate.py leaves the principal it verified before the body was read,
# so the route's dependency does not check the same key a second time.
PRINCIPAL_SCOPE_KEY = "fokus.principal"

MISSING_KEY = "missing API key: send 'Authorization: Bearer <key>'"
INVALID_KEY = "invalid API key"


async def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(get_context)]


def _verify(ctx: Context, key: str) -> Principal | None:
    with ctx.db.read() as session:
        return _cache.verify(session, key)


async def authenticate(ctx: Context, authorization: str) -> Principal:
    """The principal of an `Authorization: Bearer <key>` header, or Unauthorized.

    Async, so a cached key costs no hop through the thread pool; only a lookup in the
    database (at most once per key and cache lifetime) runs in a thread."""
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("api_key_missing")
    known, principal = _cache.cached(key)
    if not known:
        principal = await run_in_threadpool(_verify, ctx, key)
    if principal is None:
        raise Unauthorized("api_key_invalid")
    return principal


def authorization_header(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return ""


async def current_principal(request: Request, ctx: Ctx) -> Principal:
    principal = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if not isinstance(principal, Principal):  # a route the gate does not cover
        principal = await authenticate(ctx, request.headers.get("authorization", ""))
    request.state.principal = principal
    return principal


async def in_tenancy(request: Request, ctx: Context, principal: Principal) -> Principal:
    """After the role check: another firm's object in the path answers as a missing one
    (service/auth/tenancy.py); a principal without a firm costs nothing here."""
    params = dict(request.path_params)
    if tenancy.needs_check(principal, params):
        error = await run_in_threadpool(tenancy.foreign, ctx, principal, params)
        if error is not None:
            raise error
    return principal


async def require_reader(
    request: Request, ctx: Ctx, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    return await in_tenancy(request, ctx, principal)  # every role may read


async def require_writer(
    request: Request, ctx: Ctx, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    if not principal.may_write():
        raise Forbidden("role_may_not_change", role=principal.role)
    return await in_tenancy(request, ctx, principal)


async def require_admin(
    request: Request, ctx: Ctx, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    if principal.role != Role.admin:
        raise Forbidden("role_not_admin", role=principal.role)
    return await in_tenancy(request, ctx, principal)


Reader = Annotated[Principal, Depends(require_reader)]
Writer = Annotated[Principal, Depends(require_writer)]
Admin = Annotated[Principal, Depends(require_admin)]
