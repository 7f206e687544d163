"""One place that turns every error into JSON `{"detail": …}` with the right status:
domain errors carry theirs, validation is 422 naming the field, and nothing a client
sends becomes a 500. `install` also hands the app its OpenAPI document (service/http/openapi.py),
which declares these answers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from service.core.errors import DomainError
from service.http import openapi

log = logging.getLogger("fokus.http")


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def describe(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    items = []
    for error in errors:
        message = str(error.get("msg", "invalid"))
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        field = _field(tuple(error.get("loc", ())))
        if error.get("type") == "json_invalid":
            field = "body"
            message = "malformed JSON: " + str(error.get("ctx", {}).get("error", message))
        elif error.get("type") == "missing":
            message = "field required"
        items.append({"field": field, "message": message})
    text = "; ".join(f"{i['field']}: {i['message']}" for i in items)
    return text, items


# FastAPI's answer when reading a JSON body failed for another reason than bad syntax
_UNPARSABLE_BODY = "There was an error parsing the body"


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def _allowed_methods(request: Request) -> str | None:
    """Every method some route serves at this path. Starlette's 405 names only the methods
    of the first route that matched the path, though GET and PATCH of one path are two
    routes. None where no route serves the path (a mount's own 405)."""
    routes = [r for r in request.app.router.routes if not isinstance(r, Mount)]
    allowed = [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]
    return ", ".join(allowed) or None


def _unparsable(exc: StarletteHTTPException) -> str | None:
    """Why FastAPI could not read a JSON body (not UTF-8, nested too deeply), or None."""
    if exc.status_code != 400 or exc.detail != _UNPARSABLE_BODY:
        return None
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return "malformed JSON: the body is not UTF-8"
    if isinstance(cause, RecursionError):
        return "malformed JSON: nested too deeply"
    return "malformed JSON: the body could not be read"


def install(app: FastAPI) -> None:
    openapi.install(app)

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        text, items = describe(list(exc.errors()))
        return JSONResponse({"detail": text, "errors": items}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        unparsable = _unparsable(exc)
        if unparsable is not None:  # one status for a body that is not JSON: 422
            problem = {"field": "body", "message": unparsable}
            return JSONResponse({"detail": f"body: {unparsable}", "errors": [problem]}, 422)
        detail = exc.detail if exc.status_code != 404 else "not found"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        """Two requests racing to create the same thing: the loser hears why."""
        log.info("integrity error: %s", exc.orig)
        return JSONResponse(
            {"detail": "conflict: this already exists or was changed concurrently; reload"},
            status_code=409,
        )

    @app.exception_handler(OperationalError)
    async def database_busy(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error: %s", exc)
        return JSONResponse(
            {"detail": "the database is unavailable; try again"},
            status_code=503,
            headers={"Retry-After": "1"},
        )
