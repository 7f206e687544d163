"""One place that turns every error into JSON `{"detail": …}` with the right status:
domain errors carry theirs, validation is 422 naming the field, and nothing a client
sends becomes a 500. `install` also hands the app its OpenAPI document (service/http/openapi.py),
which declares these answers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from service.core import input_errors
from service.core.errors import DomainError, text
from service.http import openapi, pages

log = logging.getLogger("fokus.http")


def describe(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    """The API's `detail` for schema errors and its `errors` items (field, code, message,
    message_de), worded by service/core/input_errors.py."""
    found = input_errors.problems(errors)
    return input_errors.legacy_summary(found), [p.item() for p in found]


def validation_body(errors: list[Any]) -> dict[str, Any]:
    """The whole 422 answer for schema errors: code `validation`, the English `detail`
    as the API has always worded it, `detail_de`, and one item per problem."""
    found = input_errors.problems(errors)
    return {
        "code": input_errors.VALIDATION,
        "detail": input_errors.legacy_summary(found),
        "detail_de": input_errors.summary(found, "de"),
        "errors": [p.item() for p in found],
    }


def _answer(
    code: str, status: int, headers: dict[str, str] | None = None, **params: Any
) -> JSONResponse:
    """An answer the HTTP layer itself gives, worded by the catalogue."""
    body = {
        "code": code,
        "detail": text(code, "en", **params),
        "detail_de": text(code, "de", **params),
    }
    return JSONResponse(body, status_code=status, headers=headers)


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


def _unparsable(exc: StarletteHTTPException) -> tuple[str, str] | None:
    """Why FastAPI could not read a JSON body (not UTF-8, nested too deeply) in English
    and German, or None."""
    if exc.status_code != 400 or exc.detail != _UNPARSABLE_BODY:
        return None
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return "the body is not UTF-8", "nicht UTF-8-kodiert"
    if isinstance(cause, RecursionError):
        return "nested too deeply", "zu tief verschachtelt"
    return "the body could not be read", "nicht lesbar"


def wants_page(request: Request) -> bool:
    """A browser asking for an address outside the API: it gets the dashboard's error page
    (in its language, with a link back), not JSON. Paths under /api/ and clients that do
    not ask for HTML keep the JSON answers."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _error_page(
    request: Request, status: int, message: str, headers: dict[str, str]
) -> HTMLResponse:
    """templates/web/error.html without the session (an address that leads nowhere needs
    no database): German unless `?lang=` or the language cookie says otherwise."""
    response = pages.page(request, "error.html", {"status": status, "message": message}, status)
    response.headers.update(headers)
    return response


def install(app: FastAPI) -> None:
    openapi.install(app)

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(list(exc.errors())), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(
        request: Request, exc: StarletteHTTPException
    ) -> JSONResponse | HTMLResponse:
        unparsable = _unparsable(exc)
        if unparsable is not None:  # one status for a body that is not JSON: 422
            why_en, why_de = unparsable
            error = {
                "type": "body_unreadable",
                "loc": ("body",),
                "msg": f"malformed JSON: {why_en}",
            }
            body = validation_body([{**error, "ctx": {"why_en": why_en, "why_de": why_de}}])
            return JSONResponse(body, 422)
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            if wants_page(request):
                message = text("not_found", pages.language(request))
                return _error_page(request, 404, message, headers)
            return _answer("not_found", 404, headers)
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
            if wants_page(request):
                lang = pages.language(request)
                message = text("method_not_allowed", lang, allowed=headers["Allow"])
                return _error_page(request, 405, message, headers)
            return _answer("method_not_allowed", 405, headers, allowed=headers["Allow"])
        if exc.status_code == 413:
            return _answer("body_too_large", 413, headers, limit=getattr(exc, "max_bytes", "?"))
        status, detail = exc.status_code, str(exc.detail)
        return _answer("http_error", status, headers, detail_en=detail, status_de=status)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        """Two requests racing to create the same thing: the loser hears why."""
        log.info("integrity error: %s", exc.orig)
        return _answer("integrity_conflict", 409)

    @app.exception_handler(OperationalError)
    async def database_busy(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error: %s", exc)
        return _answer("database_unavailable", 503, {"Retry-After": "1"})
