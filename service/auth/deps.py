"""FastAPI dependencies: who is calling, and may they do this."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.auth.keys import KeyCache, Principal, Role
from service.context import Context
from service.errors import Forbidden, Unauthorized

_cache = KeyCache()


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(get_context)]


def current_principal(request: Request, ctx: Ctx) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    with ctx.db.read() as session:
        principal = _cache.verify(session, key.strip())
    if principal is None:
        raise Unauthorized("invalid API key")
    request.state.principal = principal
    return principal


def require_reader(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    return principal  # every role may read


def require_writer(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.may_write():
        raise Forbidden(f"role '{principal.role}' may not change engagements")
    return principal


def require_admin(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role != Role.admin:
        raise Forbidden(f"role '{principal.role}' may not do this; it needs 'admin'")
    return principal


Reader = Annotated[Principal, Depends(require_reader)]
Writer = Annotated[Principal, Depends(require_writer)]
Admin = Annotated[Principal, Depends(require_admin)]
