"""Evidence records: JSON, or multipart/form-data with the same fields and a `file`.

The route reads its body itself (one route, two media types): a JSON body is held to
FOKUS_MAX_BODY_BYTES, a file to FOKUS_MAX_UPLOAD_BYTES; the body limit lets this route
alone take that much (RECORDS_PATH, service/app.py)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from service.auth.deps import Ctx, Reader, Writer
from service.core.context import Context
from service.core.errors import Invalid
from service.core.validation import Id
from service.http.body_limit import BodyTooLarge
from service.http.deps import ReadSession
from service.http.openapi import errors
from service.records import service
from service.records.schemas import RecordCreate, RecordPublic

router = APIRouter(prefix="/api/v1", tags=["records"])

# the path the body limit lets take a file (a regular expression over the request path)
RECORDS_PATH = r"/api/v1/engagements/[^/]+/records"
# room for the form's other fields and the multipart framing around the file
FORM_OVERHEAD_BYTES = 64 * 1024
_FIELDS = ("kind", "date", "reference", "note")


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """The schema with every local $ref replaced by its definition."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """RecordCreate as JSON, and as a form with the optional file."""
    schema = RecordCreate.model_json_schema()
    as_json: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    as_form: dict[str, Any] = json.loads(json.dumps(as_json))
    as_form["properties"]["file"] = {
        "type": "string",
        "format": "binary",
        "description": "optional; at most FOKUS_MAX_UPLOAD_BYTES (default 20 MiB)",
    }
    return as_json, as_form


_JSON_SCHEMA, _FORM_SCHEMA = _schemas()
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _JSON_SCHEMA},
            "multipart/form-data": {"schema": _FORM_SCHEMA},
        },
    }
}


def _public(row: object) -> RecordPublic:
    return RecordPublic.model_validate(row, from_attributes=True)


def _invalid(exc: ValidationError) -> RequestValidationError:
    # with the context: the catalogue's texts name the limits ({max_length}, …)
    return RequestValidationError(exc.errors(include_url=False))


async def _read(request: Request, ctx: Context) -> tuple[RecordCreate, service.Upload | None]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        try:
            form = await request.form(
                max_files=1, max_fields=len(_FIELDS), max_part_size=FORM_OVERHEAD_BYTES
            )
        except BodyTooLarge:
            raise
        except Exception as exc:  # a malformed form, too many parts or fields
            raise Invalid("record_form_invalid", reason_en=str(exc)[:250]) from None
        values: dict[str, Any] = {}
        upload: service.Upload | None = None
        for key, value in form.multi_items():
            if key == "file" and isinstance(value, UploadFile):
                content = await value.read(ctx.settings.max_upload_bytes + 1)
                upload = service.Upload(value.filename or "datei", value.content_type, content)
            elif key in _FIELDS and isinstance(value, str):
                if value or key in ("kind", "date"):
                    values[key] = value
            else:
                raise Invalid("record_form_field_unknown", field=key[:100], expected=_FIELDS)
        try:
            return RecordCreate.model_validate(values), upload
        except ValidationError as exc:
            raise _invalid(exc) from None
    raw = await request.body()
    if len(raw) > ctx.settings.max_body_bytes:
        raise BodyTooLarge(ctx.settings.max_body_bytes)
    try:
        return RecordCreate.model_validate_json(raw or b"null"), None
    except ValidationError as exc:
        raise _invalid(exc) from None


def _add(
    ctx: Context, engagement_id: int, data: RecordCreate, upload: Any, actor: str
) -> RecordPublic:
    with ctx.db.write() as session:
        return _public(service.add(session, ctx, engagement_id, data, upload, actor))


@router.post(
    "/engagements/{engagement_id}/records",
    status_code=201,
    response_model=RecordPublic,
    openapi_extra=_BODY,
    responses=errors(
        403,
        404,
        409,
        413,
        422,
        e409="The engagement is in a final state and takes no new records.",
        e413="The file is larger than FOKUS_MAX_UPLOAD_BYTES, or a JSON body larger than "
        "FOKUS_MAX_BODY_BYTES.",
        e422="Invalid input, or a consultant_contract dated before the grant notice "
        "(project started before approval).",
    ),
)
async def add_record(
    engagement_id: Id, request: Request, principal: Writer, ctx: Ctx
) -> JSONResponse:
    data, upload = await _read(request, ctx)
    # the database is synchronous: write in a worker thread
    public = await run_in_threadpool(_add, ctx, engagement_id, data, upload, principal.name)
    return JSONResponse(public.model_dump(mode="json"), status_code=201)


@router.get(
    "/engagements/{engagement_id}/records",
    response_model=list[RecordPublic],
    responses=errors(404, 422),
)
def list_records(engagement_id: Id, principal: Reader, session: ReadSession) -> list[RecordPublic]:
    return [_public(r) for r in service.list_for(session, engagement_id)]


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback and the real name (RFC 6266, RFC 5987)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get(
    "/records/{record_id}/file",
    response_class=Response,
    responses={
        200: {
            "description": "the file, as stored (Content-Disposition: attachment)",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(404, 422, e404="No such record, or the record has no file."),
    },
)
def record_file(record_id: Id, principal: Reader, session: ReadSession) -> Response:
    record, content = service.file_of(session, record_id)
    return Response(
        content,
        media_type=record.file_type or service.DEFAULT_TYPE,
        headers={
            "Content-Disposition": content_disposition(record.file_name or "datei"),
            "X-Content-Type-Options": "nosniff",
        },
    )
