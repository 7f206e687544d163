"""`GET /api/v1/engagements/export?format=csv|xlsx`: every engagement the list's filters
match (not one page), in the list's order, for German Excel: CSV as UTF-8 with a BOM and
`;`, dates dd.mm.yyyy; XLSX with date cells. Read back with the csv module and openpyxl,
the rows are those of the list with the same filters. A name that starts with = + - @
never becomes a formula. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from service.core.clock import MovableClock
from service.engagements import export
from tests.support import Api

HEADERS_DE = [
    "Aktenzeichen",
    "Kommune",
    "Bundesland",
    "Verfahren",
    "Verfahrensversion",
    "Phase",
    "Frist",
    "Arbeitstage bis zur Frist",
    "Überfällig",
    "Zuständig",
    "Kontaktperson",
    "Ende des Förderzeitraums",
]


def read_csv(body: bytes) -> list[list[str]]:
    """The export as a German Excel reads it: BOM, then `;`-separated UTF-8."""
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))


def read_xlsx(body: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _list(staff: Api, **params: Any) -> list[dict[str, Any]]:
    body = staff.ok(staff.get("/api/v1/engagements", params={"limit": 500, **params}))
    items: list[dict[str, Any]] = body["items"]
    return items


@pytest.fixture
def portfolio(staff: Api, clock: MovableClock) -> dict[str, int]:
    """Five engagements: one overdue, one approved (funding runs), two in Saxony."""
    late = staff.engagement(municipality="Markt Grünau", owner="Referent 10")["id"]
    clock.advance(days=40)
    ids = {
        "late": late,
        "approved": staff.engagement(municipality="Stadt Ölsnitz", federal_state="SN")["id"],
        "saxony": staff.engagement(
            municipality="Gemeinde Bärenstein", federal_state="SN", owner="Referent 2"
        )["id"],
        "formula": staff.engagement(municipality="=HYPERLINK(1)", contact_name="@Kontakt")["id"],
        "plain": staff.engagement(municipality="Gemeinde Ahorn", owner="Referent 2")["id"],
    }
    staff.ok(staff.fire(ids["approved"], "approve"))
    return ids


def test_csv_has_every_matching_row_in_the_lists_order(
    staff: Api, portfolio: dict[str, int]
) -> None:
    response = staff.get("/api/v1/engagements/export", params={"format": "csv", "sort": "deadline"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="beratungen-2026-04-11.csv"'
    )
    rows = read_csv(response.content)
    assert rows[0] == HEADERS_DE
    listed = _list(staff, sort="deadline")
    assert [r[0] for r in rows[1:]] == [item["file_number"] for item in listed]
    by_number = {r[0]: dict(zip(HEADERS_DE, r, strict=True)) for r in rows[1:]}
    late = next(i for i in listed if i["id"] == portfolio["late"])
    row = by_number[late["file_number"]]
    assert row["Kommune"] == "Markt Grünau"
    assert row["Bundesland"] == "Bayern"
    assert row["Verfahren"] == "Fokusberatung Klimaschutz"
    assert row["Verfahrensversion"] == "1"
    assert row["Phase"] == "Antrag"
    due = datetime.fromisoformat(late["stage_due_at"]).date()
    assert row["Frist"] == due.strftime("%d.%m.%Y")
    assert row["Arbeitstage bis zur Frist"] == str(late["working_days_left"])
    assert int(row["Arbeitstage bis zur Frist"]) < 0
    assert row["Überfällig"] == "ja"
    assert row["Zuständig"] == "Referent 10"
    assert row["Kontaktperson"] == "Anna Schmidt"
    assert row["Ende des Förderzeitraums"] == ""
    approved = next(i for i in listed if i["id"] == portfolio["approved"])
    funded = by_number[approved["file_number"]]
    end = datetime.fromisoformat(approved["funding_ends_at"]).date()
    assert funded["Ende des Förderzeitraums"] == end.strftime("%d.%m.%Y")
    assert funded["Bundesland"] == "Sachsen"
    assert funded["Überfällig"] == "nein"


def test_xlsx_has_the_same_rows_with_dates_as_dates(staff: Api, portfolio: dict[str, int]) -> None:
    response = staff.get("/api/v1/engagements/export", params={"format": "xlsx"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == export.XLSX_MEDIA_TYPE
    rows = read_xlsx(response.content)
    assert rows[0] == HEADERS_DE
    csv_rows = read_csv(staff.get("/api/v1/engagements/export").content)  # csv by default
    assert [r[0] for r in rows[1:]] == [r[0] for r in csv_rows[1:]]
    assert len(rows) == 6
    for xlsx_row, csv_row in zip(rows[1:], csv_rows[1:], strict=True):
        deadline = xlsx_row[6]
        assert isinstance(deadline, datetime)  # a date cell (openpyxl reads it as datetime)
        assert deadline.date().strftime("%d.%m.%Y") == csv_row[6]
        assert xlsx_row[7] == int(csv_row[7])  # a number, not a text
        assert xlsx_row[4] == int(csv_row[4])


def test_filters_and_order_are_the_lists(staff: Api, portfolio: dict[str, int]) -> None:
    for params in (
        {"q": "grunau"},
        {"state": "application", "owner": "Referent 2"},
        {"overdue": "true"},
        {"overdue": "false", "sort": "-municipality"},
        {"sort": "owner"},
        {"sort": "file_number"},
        {"due_within_working_days": "250"},
    ):
        wanted = [item["file_number"] for item in _list(staff, **params)]
        for kind in ("csv", "xlsx"):
            body = staff.get("/api/v1/engagements/export", params={**params, "format": kind})
            assert body.status_code == 200, (params, body.text)
            rows = read_csv(body.content) if kind == "csv" else read_xlsx(body.content)
            assert [r[0] for r in rows[1:]] == wanted, (params, kind)
    assert len(_list(staff, sort="owner")) == 5
    owners = [i["owner"] for i in _list(staff, sort="owner")]
    assert owners == ["Referent 2", "Referent 2", "Referent 10", None, None]


def test_more_rows_than_one_page_of_the_list(staff: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "BATCH", 3)  # several batches and CSV chunks
    for i in range(8):
        staff.engagement(municipality=f"Gemeinde {i}")
    rows = read_csv(staff.get("/api/v1/engagements/export").content)
    assert len(rows) == 9
    assert len(read_xlsx(staff.get("/api/v1/engagements/export?format=xlsx").content)) == 9


def test_formulas_are_never_run(staff: Api, portfolio: dict[str, int]) -> None:
    rows = read_csv(staff.get("/api/v1/engagements/export", params={"q": "hyperlink"}).content)
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[1][10] == "'@Kontakt"
    assert export.csv_text("+49 30 1234") == "'+49 30 1234"
    assert export.csv_text("-x") == "'-x"
    assert export.csv_text("\tx") == "'\tx"
    assert export.csv_text(-3) == "-3"  # a number stays a number
    assert export.csv_text(2.5) == "2,50"
    assert export.csv_text(date(2026, 3, 2)) == "02.03.2026"
    body = staff.get("/api/v1/engagements/export", params={"q": "hyperlink", "format": "xlsx"})
    book = load_workbook(io.BytesIO(body.content))
    cell = book.worksheets[0]["B2"]
    assert cell.value == "=HYPERLINK(1)"  # the text itself…
    assert cell.data_type == "s"  # …as a text cell, not a formula
    assert book.worksheets[0]["K2"].data_type == "s"


def test_english_headers_on_request(staff: Api, portfolio: dict[str, int]) -> None:
    rows = read_csv(staff.get("/api/v1/engagements/export", params={"lang": "en"}).content)
    assert rows[0][:3] == ["File number", "Municipality", "Federal state"]
    assert "Bavaria" in {r[2] for r in rows[1:]}


def test_bad_input_is_a_422_and_the_route_is_no_engagement_id(staff: Api) -> None:
    staff.engagement()
    for params in (
        {"format": "pdf"},
        {"format": ""},
        {"sort": "color"},
        {"state": "nowhere"},
        {"due_within_working_days": "0"},
        {"lang": "fr"},
    ):
        response = staff.get("/api/v1/engagements/export", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["detail"]


def test_too_many_rows_are_refused_not_cut(staff: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "LIMIT", 2)
    for _ in range(3):
        staff.engagement()
    response = staff.get("/api/v1/engagements/export")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "export_too_large"
    assert body["detail_de"].startswith("Zu viele Zeilen für einen Export: 3 (höchstens 2)")
    assert staff.get("/api/v1/engagements/export", params={"q": "nothing"}).status_code == 200


def test_other_methods_are_a_405_not_an_engagement_id(staff: Api) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = staff.client.request(method, "/api/v1/engagements/export", headers=staff.headers)
        assert response.status_code == 405, (method, response.text)
        assert response.headers["allow"] == "GET, HEAD"
        assert response.json()["code"] == "method_not_allowed"


def test_readers_only(client: Any, supervisor: Api) -> None:
    assert supervisor.get("/api/v1/engagements/export").status_code == 200
    assert client.get("/api/v1/engagements/export").status_code == 401


def test_the_openapi_document_lists_both_media_types(staff: Api) -> None:
    document = staff.ok(staff.get("/openapi.json"))
    operation = document["paths"]["/api/v1/engagements/export"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"text/csv", export.XLSX_MEDIA_TYPE}
    formats = next(p for p in operation["parameters"] if p["name"] == "format")
    assert formats["schema"]["enum"] == ["csv", "xlsx"]
