"""The programme's daily tasks on the engagement page (issue 9's features in the
browser): record or change the grant notice, add evidence records with an optional file
and download that file again, add consulting days. Milestones need no form of their own:
a milestone is done when its record exists, so the records form marks it.

Each form goes through the API's input schema and the same service function in the same
unit of work as the API (`in_write`), so the dashboard accepts and refuses exactly what
the API does; a refusal comes back on the page next to the form with the values kept.
Numbers are typed the German way too ("25.000,50", "0,5").
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.consulting import service as consulting
from service.consulting.schemas import ConsultingDayCreate
from service.core.context import Context
from service.core.errors import DomainError, NotFound
from service.grants import service as grants
from service.grants.schemas import GrantPut
from service.http.body_limit import BodyTooLarge
from service.records import service as records
from service.records.api import FORM_OVERHEAD_BYTES, content_disposition
from service.records.models import Record
from service.records.schemas import RecordCreate
from service.web.common import PageRoute, ctx_of, signed_in
from service.web.engagement import Action, form_route, in_write, submit
from service.web.inputs import path_id, validate

router = APIRouter(include_in_schema=False, route_class=PageRoute)

# the dashboard's records form takes a file as large as the API's (service/app.py gives
# this path the upload limit instead of the body limit)
PAGE_RECORDS_PATH = r"/engagements/[^/]+/records"
_RECORD_FIELDS = ("form", "record_kind", "record_date", "record_reference", "record_note")
_GERMAN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def decimal(raw: str | None) -> float | str | None:
    """A number as a person types it: "25.000,50", "25000,50", "25000.50", "0,5", with
    or without "€" and spaces. Something else goes to the schema as typed, so the
    refusal names the field; empty is None (the field is left out)."""
    text = (raw or "").replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif _GERMAN_THOUSANDS.fullmatch(text):
        text = text.replace(".", "")
    try:
        return float(text)
    except ValueError:
        return raw


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """The fields that were filled in: an empty one is "missing" to the schema."""
    return {k: v for k, v in values.items() if v not in (None, "")}


@form_route(router, "/grant", anchor="grant")
@in_write
def grant(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
    """The grant notice (Zuwendungsbescheid) as the Projektträger issued it; a change of
    a recorded one needs a reason (the service says so)."""
    data = validate(
        GrantPut,
        _present(
            {
                "funding_reference": form.get("funding_reference", "").strip(),
                "notice_date": form.get("notice_date", "").strip(),
                "period_start": form.get("period_start", "").strip(),
                "period_end": form.get("period_end", "").strip(),
                "eligible_costs": decimal(form.get("eligible_costs")),
                "grant_amount": decimal(form.get("grant_amount")),
                "funding_rate_percent": decimal(form.get("funding_rate_percent")),
                "reason": form.get("grant_reason", "").strip(),
            }
        ),
    )
    grants.put(session, ctx, eid, data, actor)
    return "grant"


@form_route(router, "/consulting", anchor="consulting")
@in_write
def consulting_day(
    session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]
) -> str:
    """A consulting day (or half day) with its mode and what was done; the budget, the
    grant period and the direct-contact share are the service's rules."""
    data = validate(
        ConsultingDayCreate,
        _present(
            {
                "date": form.get("day_date", "").strip(),
                "days": decimal(form.get("days")),
                "mode": form.get("mode", ""),
                "consultant": form.get("consultant", "").strip(),
                "activity": form.get("activity", "").strip(),
            }
        ),
    )
    consulting.add(session, ctx, eid, data, actor)
    return "consulting_day"


async def _read_record_form(
    request: Request, ctx: Context
) -> tuple[dict[str, str], records.Upload | None]:
    """The records form with its optional file (at most FOKUS_MAX_UPLOAD_BYTES, as for
    the API; the service refuses a larger one with 413). A form that cannot be read is
    a 400, one that is too large a 413."""
    try:
        form = await request.form(
            # the fields, the CSRF token and a spare one
            max_files=1,
            max_fields=len(_RECORD_FIELDS) + 2,
            max_part_size=FORM_OVERHEAD_BYTES,
        )
    except BodyTooLarge:
        raise
    except Exception as exc:  # multipart errors come in several types
        raise DomainError("form_malformed") from exc
    values: dict[str, str] = {}
    upload: records.Upload | None = None
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if key == "file" and value.filename:  # no file chosen: an empty part
                content = await value.read(ctx.settings.max_upload_bytes + 1)
                upload = records.Upload(value.filename, value.content_type, content)
        elif key not in values:
            values[key] = value
    return values, upload


@router.post("/engagements/{engagement_id}/records")
async def post_record(request: Request, engagement_id: str) -> Response:
    """A piece of evidence, with a file if one was chosen (multipart/form-data)."""
    form, upload = await _read_record_form(request, ctx_of(request))

    @in_write
    def add(session: Session, ctx: Context, eid: int, actor: str, form: dict[str, str]) -> str:
        data = validate(
            RecordCreate,
            _present(
                {
                    "kind": form.get("record_kind", ""),
                    "date": form.get("record_date", "").strip(),
                    "reference": form.get("record_reference", "").strip(),
                    "note": form.get("record_note", "").strip(),
                }
            ),
        )
        records.add(session, ctx, eid, data, upload, actor)
        return "record"

    action: Action = add
    return await submit(request, engagement_id, form, action, "records")


def _file_of(ctx: Context, eid: int, rid: int) -> tuple[Record, bytes]:
    with ctx.db.read() as session:
        try:
            record, content = records.file_of(session, rid)
        except NotFound:  # one answer for every file this page cannot show
            raise NotFound("not_found") from None
        if record.engagement_id != eid:  # only through its own engagement's page
            raise NotFound("not_found")
        session.expunge(record)
        return record, content


@router.get("/engagements/{engagement_id}/records/{record_id}/file")
async def record_file(request: Request, engagement_id: str, record_id: str) -> Response:
    """The stored file as it was uploaded (its media type, its name as an attachment),
    for anyone signed in: viewing and downloading evidence stays possible when the
    engagement is final."""
    if await run_in_threadpool(signed_in, request) is None:
        return RedirectResponse("/login", status_code=303)
    eid, rid = path_id(engagement_id), path_id(record_id)
    record, content = await run_in_threadpool(_file_of, ctx_of(request), eid, rid)
    return Response(
        content,
        media_type=record.file_type or records.DEFAULT_TYPE,
        headers={
            "Content-Disposition": content_disposition(record.file_name or "datei"),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
