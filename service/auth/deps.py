"""FastAPI dependencies: who is calling, and may they do this."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from service.auth.keys import KeyCache, Principal, Role
from service.context import Context
from service.errors import Forbidden, Unauthorized

_cache = KeyCache()


async def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(get_context)]


def _verify(ctx: Context, key: str) -> Principal | None:
    with ctx.db.read() as session:
        return _cache.verify(session, key)


async def current_principal(request: Request, ctx: Ctx) -> Principal:
    """Async, so a cached key costs no hop through the thread pool; only a lookup in
    the database (at most once per key and cache lifetime) runs in a thread."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    known, principal = _cache.cached(key)
    if not known:
        principal = await run_in_threadpool(_verify, ctx, key)
    if principal is None:
        raise Unauthorized("invalid API key")
    request.state.principal = principal
    return principal


async def require_reader(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    return principal  # every role may read


async def require_writer(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.may_write():
        raise Forbidden(f"role '{principal.role}' may not change engagements")
    return principal


async def require_admin(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role != Role.admin:
        raise Forbidden(f"role '{principal.role}' may not do this; it needs 'admin'")
    return principal


Reader = Annotated[Principal, Depends(require_reader)]
Writer = Annotated[Principal, Depends(require_writer)]
Admin = Annotated[Principal, Depends(require_admin)]
