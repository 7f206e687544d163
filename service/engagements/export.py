"""Exports of an engagement list (the overview's, the API's), for German Excel.

One row per engagement that matches the filters, in the list's order, all of them up to
`LIMIT` (more is refused with a message to narrow the filters, never cut silently). The
rows are read in batches and written as they come: CSV streams, XLSX is built in
openpyxl's write-only mode.

- CSV: UTF-8 with a byte order mark (Excel opens it as UTF-8 only then), `;` between
  cells (German Excel's list separator), dates as dd.mm.yyyy, decimals with a comma. A
  text cell that starts with = + - @ (or a tab or carriage return) is prefixed with `'`,
  so a spreadsheet never runs a municipality's name as a formula (CSV injection).
- XLSX: dates are date cells shown dd.mm.yyyy, numbers are numbers, and every text is a
  text cell, never a formula, whatever it starts with (its content stays exact).

The words (headers, yes/no, the federal states' names) come from
templates/i18n/<lang>/overview.json; the days from the engagement presenter, as
everywhere else.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlmodel import Session, col

from service.core.context import Context
from service.core.errors import Invalid
from service.core.translations import language
from service.engagements import presenters
from service.engagements.filters import EngagementFilters, order_by
from service.engagements.models import Engagement

LIMIT = 100_000  # rows per export; more is a 422 asking to narrow the filters
BATCH = 1_000
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_RISKY = ("=", "+", "-", "@", "\t", "\r")
_WIDTHS = (16, 32, 22, 26, 10, 24, 12, 12, 11, 22, 24, 12)  # characters, per column

# the columns in their order: the key of their header in the words
COLUMNS = (
    "ov_col_file_number",
    "ov_col_municipality",
    "ov_col_federal_state",
    "ov_col_process",
    "ov_col_process_version",
    "ov_col_stage",
    "ov_col_deadline",
    "ov_col_working_days_left",
    "ov_col_overdue",
    "ov_col_owner",
    "ov_col_contact",
    "ov_col_funding_end",
)


@dataclass(frozen=True)
class ExportRow:
    """One engagement as the export shows it (the order of COLUMNS)."""

    file_number: str
    municipality: str
    federal_state: str
    process: str
    process_version: int
    stage: str
    deadline: date | None
    working_days_left: int | None  # negative once overdue
    overdue: str  # "ja"/"nein" ("yes"/"no")
    owner: str
    contact: str
    funding_end: date | None

    def cells(self) -> tuple[Any, ...]:
        return astuple(self)


def headers(lang: str) -> list[str]:
    words = language(lang).words
    return [words[key] for key in COLUMNS]


def state_name(code: str, lang: str) -> str:
    """The federal state's name in the language (its code if it has none)."""
    return language(lang).words.get(f"ov_state_{code}", code)


def count(session: Session, ctx: Context, filters: EngagementFilters) -> int:
    query = filters.where(
        select(func.count()).select_from(Engagement), ctx.clock.now(), tz=ctx.settings.tz
    )
    return int(session.execute(query).scalar_one())


def check_size(session: Session, ctx: Context, filters: EngagementFilters) -> int:
    """The number of rows; more than LIMIT is refused before anything is written."""
    total = count(session, ctx, filters)
    if total > LIMIT:
        raise Invalid("export_too_large", count=total, limit=LIMIT)
    return total


def rows(
    session: Session, ctx: Context, filters: EngagementFilters, sort: str | None, lang: str
) -> Iterator[ExportRow]:
    """Every matching engagement in the list's order (`sort`, else by id as the API's
    list), read `BATCH` rows at a time."""
    now = ctx.clock.now()
    tz = ctx.settings.tz
    words = language(lang).words
    order = order_by(sort, ctx.registry) if sort else (col(Engagement.id),)
    query = filters.where(select(Engagement), now, tz=tz).order_by(*order)
    result = session.execute(query.execution_options(yield_per=BATCH)).scalars()
    for engagement in result:
        process = ctx.process_of(engagement.process, engagement.process_version)
        seen = presenters.dates(engagement, process, now, tz)
        yield ExportRow(
            file_number=engagement.file_number or "",
            municipality=engagement.municipality,
            federal_state=state_name(engagement.federal_state, lang),
            process=process.title(lang),
            process_version=process.version,
            stage=process.stage(engagement.state).label(lang),
            deadline=None if seen.due is None else seen.due.date(),
            working_days_left=seen.working_days_left,
            overdue=words["ov_yes"] if seen.overdue else words["ov_no"],
            owner=engagement.owner or "",
            contact=engagement.contact_name,
            funding_end=None if seen.funding_ends is None else seen.funding_ends.date(),
        )


def csv_text(value: Any) -> str:
    """One CSV cell: German dates and decimals, risky texts defused."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_RISKY) else text


def csv_stream(lang: str, items: Iterator[ExportRow]) -> Iterator[bytes]:
    """The CSV file in pieces of `BATCH` rows, the byte order mark first."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers(lang))
    for written, item in enumerate(items, start=1):
        writer.writerow([csv_text(v) for v in item.cells()])
        if written % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(lang: str, items: Iterator[ExportRow]) -> bytes:
    """The workbook: one sheet, a bold header row frozen above a filter."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(language(lang).words["ov_export_sheet"])
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKL", _WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = []
    for text in headers(lang):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    for item in items:
        cells = []
        for value in item.cells():
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(value, date):
                cell.number_format = "DD.MM.YYYY"
            cells.append(cell)
        sheet.append(cells)
        written += 1
    sheet.auto_filter.ref = f"A1:L{written + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
