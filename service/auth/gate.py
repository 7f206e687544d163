"""Checks the API key before anything reads the request body.

FastAPI reads and validates the body before it solves a route's dependencies, so a
client without a key got 422 for a malformed body (and made the service parse a
megabyte of JSON) before hearing 401. This ASGI middleware answers every request under
the API prefix that has no valid key with 401 before the route runs; the principal it
verified is left in the scope for `current_principal`, so the key is checked once.
Every route under /api/v1 needs a key; `open_paths` lists exceptions (none today).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from service.auth.deps import PRINCIPAL_SCOPE_KEY, authenticate, authorization_header
from service.core.context import Context
from service.core.errors import Unauthorized, text
from service.health import describe

log = logging.getLogger("fokus.http")


class ApiKeyGate:
    def __init__(
        self,
        app: ASGIApp,
        ctx: Context,
        prefix: str = "/api/v1/",
        open_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.prefix = prefix
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith(self.prefix)
            or path.startswith(self.open_paths)
        ):
            await self.app(scope, receive, send)
            return
        try:
            scope[PRINCIPAL_SCOPE_KEY] = await authenticate(self.ctx, authorization_header(scope))
        except Unauthorized as exc:  # the same answer the route's dependency would give
            await JSONResponse(exc.body(), exc.status_code)(scope, receive, send)
            return
        except DBAPIError as exc:  # outside the app's error handlers: answer as they would
            # without the statement: its parameter is the key's hash
            log.error("database error while checking an API key: %s", describe(exc))
            code = "database_unavailable"
            await JSONResponse(
                {"code": code, "detail": text(code, "en"), "detail_de": text(code, "de")},
                503,
                headers={"Retry-After": "1"},
            )(scope, receive, send)
            return
        await self.app(scope, receive, send)
