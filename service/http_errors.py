"""One place that turns every error into JSON `{"detail": …}` with the right status:
domain errors carry theirs, validation is 422 naming the field, and nothing a client
sends becomes a 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import DomainError

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


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        text, items = describe(list(exc.errors()))
        return JSONResponse({"detail": text, "errors": items}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if exc.status_code != 404 else "not found"
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

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
