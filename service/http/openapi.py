"""What the OpenAPI document says about errors and authentication, declared once.

Every error the service sends is JSON `{"code": …, "detail": …, "detail_de": …}`
(service/http/http_errors.py, texts from templates/i18n/errors.json); the models
here describe those bodies. A route declares the statuses its own logic answers with,
`responses=errors(403, 404, …)`. The statuses of the app's machinery hold for every
operation and are added by `install(app)`'s document: a body over FOKUS_MAX_BODY_BYTES
(413, service/http/body_limit.py) and the database not answering (503, http_errors) on every
operation, and on every /api/v1 operation the bearer-key security scheme and its 401
(service/auth/gate.py checks the key before anything else). FastAPI's default 422 body,
which we never send, is replaced by ours wherever a route did not declare its own."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema


class FieldProblem(BaseModel):
    field: str = Field(description="the field, dotted for nested ones; 'body' for the whole body")
    code: str = Field(
        description="what is wrong: a pydantic error type (missing, string_too_long, …) or "
        "a code of the service's own checks (email_no_domain_dot, blank, …)"
    )
    message: str = Field(description="in English")
    message_de: str = Field(description="in German, the field named by its German label")


class ErrorResponse(BaseModel):
    """Every error: `code` says which one (docs/api.md, Errors), `detail` in English and
    `detail_de` in German say what went wrong in words a person can act on."""

    code: str = Field(description="the error's code from the error catalogue")
    detail: str = Field(description="in English")
    detail_de: str = Field(description="in German")


class ValidationErrorResponse(ErrorResponse):
    """Invalid input. `errors` lists each field that failed the schema; a rule checked by
    the service (e.g. eligibility, an unknown trigger) sends `detail` alone."""

    errors: list[FieldProblem] = Field(default_factory=list)


def _only_when_sent(schema: dict[str, Any]) -> None:
    """A field some conflicts carry and others leave out: no default to document."""
    schema.pop("default", None)


class FailedGuard(BaseModel):
    name: str
    reason_de: str
    reason_en: str


class ConflictResponse(ErrorResponse):
    """Refused in the engagement's (or resource's) current state, or changed concurrently."""

    allowed_triggers: list[str] = Field(
        default_factory=list, description="a refused transition: the triggers allowed now"
    )
    current_version: int = Field(
        default=0,
        description="expected_version was stale: the version to reload",
        json_schema_extra=_only_when_sent,
    )
    participant_id: int = Field(
        default=0,
        description="a duplicate participant: the one that exists already",
        json_schema_extra=_only_when_sent,
    )
    failed_guards: list[FailedGuard] = Field(
        default_factory=list,
        description="a transition refused by its guards: each with its German and English reason",
        json_schema_extra=_only_when_sent,
    )


_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "string"}}
}

_STANDARD: dict[int, tuple[type[BaseModel], str]] = {
    401: (ErrorResponse, "No API key, or an unknown or revoked one."),
    403: (ErrorResponse, "The key's role may not do this."),
    404: (ErrorResponse, "Not found."),
    409: (ConflictResponse, "Refused in the current state, or changed concurrently."),
    413: (ErrorResponse, "The request body is larger than FOKUS_MAX_BODY_BYTES."),
    422: (ValidationErrorResponse, "Invalid input; `detail` names the field and the problem."),
    503: (ErrorResponse, "The database is unavailable; retry after a moment."),
}

Responses = dict[int | str, dict[str, Any]]


def errors(*codes: int, **descriptions: str) -> Responses:
    """`responses=` for these statuses with their standard body and description; a keyword
    `e409="…"` replaces the description of one status with what it means on this route."""
    result: Responses = {}
    for code in codes:
        model, text = _STANDARD[code]
        entry: dict[str, Any] = {"model": model, "description": descriptions.get(f"e{code}", text)}
        if code == 503:
            entry["headers"] = _RETRY_AFTER
        result[code] = entry
    return result


API_PREFIX = "/api/v1/"
SECURITY_SCHEME = "apiKey"
_BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key (`fokus apikey create`), sent as `Authorization: Bearer <key>`.",
}


_DEFAULT_422 = "#/components/schemas/HTTPValidationError"


def _reference(code: int) -> dict[str, Any]:
    """The response object `errors(code)` makes, as it appears in the document."""
    model, text = _STANDARD[code]
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    entry: dict[str, Any] = {"description": text, "content": {"application/json": {"schema": ref}}}
    if code == 503:
        entry["headers"] = _RETRY_AFTER
    return entry


def _errors_are_json(status: str, response: dict[str, Any]) -> None:
    """FastAPI files a route's error models under the route's own media type (a diagram
    route's 404 as text/vnd.mermaid); every error is JSON."""
    content = response.get("content", {})
    if status[:1] in "45" and "application/json" not in content and len(content) == 1:
        response["content"] = {"application/json": content.popitem()[1]}


def _document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = _BEARER
    schemas = components.setdefault("schemas", {})
    _, models = models_json_schema(
        [(m, "serialization") for m in (ErrorResponse, ValidationErrorResponse)],
        ref_template="#/components/schemas/{model}",
    )
    for name, definition in models["$defs"].items():
        schemas.setdefault(name, definition)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                _errors_are_json(status, response)
            content = responses.get("422", {}).get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("$ref") == _DEFAULT_422:
                responses["422"] = _reference(422)
            if path.startswith(API_PREFIX):
                operation.setdefault("security", [{SECURITY_SCHEME: []}])
                responses.setdefault("401", _reference(401))
            responses.setdefault("413", _reference(413))
            responses.setdefault("503", _reference(503))
    # FastAPI's own 422 body is never sent (service/http/http_errors.py renders every one)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return schema


def install(app: FastAPI) -> None:
    """The app's document is built once, when first asked for, by `_document`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
