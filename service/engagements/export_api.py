"""HTTP for the export of the engagement list: `GET /api/v1/engagements/export`.

Its own router, included before the engagements router (service/app.py): otherwise
`/engagements/{engagement_id}` would take "export" for an id and answer 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from service.auth import tenancy
from service.auth.deps import Ctx, Reader
from service.core.errors import text
from service.core.validation import Flag
from service.engagements import export, service
from service.engagements.api import DueWithin, ProcessFilter, SearchText, SortOrder, StateFilter
from service.engagements.filters import EngagementFilters
from service.http.deps import ReadSession
from service.http.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["engagements"])

_FILE_NAME = "beratungen"


def download(response: Response, name: str) -> Response:
    """Marks an answer as a file to save (the name carries the export's date)."""
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get(
    "/engagements/export",
    response_class=Response,
    responses={
        200: {
            "description": "Every engagement that matches the filters (at most "
            f"{export.LIMIT:,}), in the list's order: CSV (UTF-8 with BOM, `;`-separated) "
            "or XLSX.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                export.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **errors(
            422,
            e422=f"Invalid input, an unknown format, or more than {export.LIMIT:,} "
            "engagements match (narrow the filters).",
        ),
    },
)
def export_engagements(
    principal: Reader,
    ctx: Ctx,
    session: ReadSession,
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv or xlsx")] = "csv",
    lang: Annotated[Literal["de", "en"], Query(description="headers and words")] = "de",
    state: StateFilter = None,
    process: ProcessFilter = None,
    overdue: Annotated[Flag | None, Query()] = None,
    owner: SearchText = None,
    q: SearchText = None,
    due_within_working_days: DueWithin = None,
    firm: SearchText = None,
    sort: SortOrder = None,
) -> Response:
    """The list's filters and order (default: by id, as the list) as a file for
    a spreadsheet: file number, municipality, federal state, process and its version,
    stage, deadline, working days left, overdue, owner, contact, end of funding."""
    service.check_filter_names(ctx, state=state, process=process)
    filters = EngagementFilters(
        stage=state,
        process=process,
        owner=owner,
        overdue=overdue,
        q=q,
        due_within=due_within_working_days,
        firm=firm,
        tenant=tenancy.scope(principal),  # staff of a firm: only their firm's
    )
    return answer(ctx, filters, sort, format, lang, session)


@router.api_route(
    "/engagements/export",
    methods=["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"],
    include_in_schema=False,
)
def export_other_methods() -> JSONResponse:
    """405 with `Allow: GET, HEAD`: without this route, PATCH or DELETE of this path
    would reach `/engagements/{engagement_id}` and answer 422 about an id."""
    allowed = "GET, HEAD"
    body = {
        "code": "method_not_allowed",
        "detail": text("method_not_allowed", "en", allowed=allowed),
        "detail_de": text("method_not_allowed", "de", allowed=allowed),
    }
    return JSONResponse(body, status_code=405, headers={"Allow": allowed})


def answer(
    ctx: Ctx,
    filters: EngagementFilters,
    sort: str | None,
    kind: str,
    lang: str,
    session: ReadSession,
) -> Response:
    """The export as a response (the dashboard's `/export.csv` and `/export.xlsx` too):
    the size is checked in the caller's read; the CSV then streams from a read of its
    own, the workbook is built here."""
    export.check_size(session, ctx, filters)
    day = ctx.clock.now().astimezone(ctx.settings.tz).date().isoformat()
    if kind == "xlsx":
        body = export.xlsx_bytes(lang, export.rows(session, ctx, filters, sort, lang))
        return download(
            Response(body, media_type=export.XLSX_MEDIA_TYPE), f"{_FILE_NAME}-{day}.xlsx"
        )

    def chunks() -> Iterator[bytes]:
        with ctx.db.read() as own:
            yield from export.csv_stream(lang, export.rows(own, ctx, filters, sort, lang))

    return download(
        StreamingResponse(chunks(), media_type=export.CSV_MEDIA_TYPE), f"{_FILE_NAME}-{day}.csv"
    )
