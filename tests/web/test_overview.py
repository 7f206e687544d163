"""The overview a Sachbearbeiterin works from (issue 12): how many are overdue (a link to
them), what is due within N working days, sorting by column with aria-sort, stage and
federal state names, the time left in working days of the engagement's federal state,
owners in natural order, the file number, a search that folds umlauts, and the same list
as CSV and XLSX from the page's session. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.core.clock import MovableClock
from service.core.paths import templates_dir
from service.engagements import export
from tests.support import Api
from tests.web.conftest import login
from workflows import calendar

BERLIN = ZoneInfo("Europe/Berlin")


def ids(html: str) -> list[int]:
    """The engagements in the overview's table, in its order."""
    return [int(i) for i in re.findall(r'<tr[^>]*data-id="(\d+)"', html)]


def row(html: str, eid: int) -> str:
    match = re.search(rf'<tr[^>]*data-id="{eid}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {eid}"
    return match.group(1)


def due_on(staff: Api, eid: int, day: str) -> dict[str, Any]:
    body: dict[str, Any] = staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}/deadline",
            json={"due_at": f"{day}T12:00:00", "reason": "Test"},
        )
    )
    return body


def test_overdue_count_links_to_the_overdue_ones(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    late = [staff.engagement(municipality=f"Spät {i}")["id"] for i in range(2)]
    clock.advance(days=40)
    fresh = staff.engagement(municipality="Frisch")["id"]
    login(client, staff)
    html = client.get("/").text
    assert 'data-overdue-count="2"' in html
    assert "2 Beratungen überfällig" in html
    link = re.search(r'<a href="([^"]+)"[^>]*>2 Beratungen überfällig</a>', html)
    assert link is not None
    assert link.group(1) == "/?overdue=1"
    only = client.get(link.group(1)).text
    assert sorted(ids(only)) == sorted(late)
    assert fresh not in ids(only)
    # the count follows the other filters
    assert "1 Beratung überfällig" in client.get("/?q=sp%C3%A4t+0").text
    assert "Keine Beratung überfällig" in client.get("/?q=frisch").text


def test_due_soon_counts_working_days_of_the_federal_state(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    # Monday 2 March 2026; Friday 6 March is 4 working days away, Tuesday 10 March 6
    soon = staff.engagement(municipality="Bald")["id"]
    later = staff.engagement(municipality="Später")["id"]
    due_on(staff, soon, "2026-03-06")
    due_on(staff, later, "2026-03-10")
    late = staff.engagement(municipality="Überfällig")["id"]
    due_on(staff, late, "2026-03-03")
    clock.advance(days=2)  # Wednesday 4 March: `late` is overdue, `soon` 2 working days
    login(client, staff)
    html = client.get("/").text
    assert "2 in den nächsten 5 Arbeitstagen fällig" in html
    assert ids(client.get("/?soon=5").text) == [soon, later]
    assert ids(client.get("/?soon=4").text) == [soon, later]  # 10 March: 4 working days
    assert ids(client.get("/?soon=3").text) == [soon]
    assert ids(client.get("/?soon=1").text) == []
    assert 'class="soon"' in html and row(html, soon)
    assert "noch 2 Arbeitstage" in row(html, soon)
    assert "noch 4 Arbeitstage" in row(html, later)
    assert "seit 1 Arbeitstag überfällig" in row(html, late)
    api = staff.ok(staff.get(f"/api/v1/engagements/{later}"))
    assert api["working_days_left"] == 4 and api["days_left"] == 6  # calendar days differ
    # a holiday of one state is no working day there: Buß- und Bettag in Saxony only
    clock.set(datetime(2026, 11, 16, 9, tzinfo=BERLIN))  # Monday
    login(client, staff)  # the session of March has ended
    bavaria = staff.engagement(municipality="Bayrischzell", federal_state="BY")["id"]
    saxony = staff.engagement(municipality="Sachsenstadt", federal_state="SN")["id"]
    due_on(staff, bavaria, "2026-11-20")  # Friday
    due_on(staff, saxony, "2026-11-20")
    html = client.get("/").text
    assert "noch 4 Arbeitstage" in row(html, bavaria)
    assert "noch 3 Arbeitstage" in row(html, saxony)  # Wednesday 18 November is a holiday
    assert ids(client.get("/?soon=3").text) == [saxony]


def test_overdue_over_a_weekend_and_due_today(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    eid = staff.engagement()["id"]
    due_on(staff, eid, "2026-03-06")  # Friday
    login(client, staff)
    clock.set(datetime(2026, 3, 6, 10, tzinfo=BERLIN))
    login(client, staff)
    assert "heute fällig" in row(client.get("/").text, eid)
    clock.set(datetime(2026, 3, 7, 10, tzinfo=BERLIN))  # Saturday: no working day passed
    login(client, staff)
    assert "überfällig seit 06.03.2026" in row(client.get("/").text, eid)
    clock.set(datetime(2026, 3, 10, 10, tzinfo=BERLIN))  # Tuesday: Monday and Tuesday passed
    login(client, staff)
    assert "seit 2 Arbeitstagen überfällig" in row(client.get("/").text, eid)


def test_sorting_by_column_with_aria_sort(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    made = {
        name: staff.engagement(municipality=name, owner=owner)["id"]
        for name, owner in (
            ("Zell am See", "Referent 10"),
            ("Ägidienberg", "Referent 2"),
            ("Bad Aibling", None),
            ("Ahorn", "Referent 1"),
        )
    }
    staff.ok(staff.fire(made["Bad Aibling"], "approve"))  # onboarding: a later stage
    login(client, staff)
    by_name = client.get("/?sort=municipality").text
    assert ids(by_name) == [made[n] for n in ("Ägidienberg", "Ahorn", "Bad Aibling", "Zell am See")]
    assert re.search(
        r'<th scope="col" aria-sort="ascending"><a href="/\?sort=-municipality"', by_name
    )
    assert 'aria-sort="none"><a href="/" title="Sortieren nach Frist"' in by_name
    assert "aufsteigend sortiert" in by_name
    descending = client.get("/?sort=-municipality").text
    assert ids(descending) == list(reversed(ids(by_name)))
    assert 'aria-sort="descending"' in descending and "absteigend sortiert" in descending
    owners = client.get("/?sort=owner").text
    assert ids(owners) == [made[n] for n in ("Ahorn", "Ägidienberg", "Zell am See", "Bad Aibling")]
    stages = ids(client.get("/?sort=stage").text)
    assert stages[-1] == made["Bad Aibling"]  # onboarding after every application
    assert ids(client.get("/?sort=-stage").text)[0] == made["Bad Aibling"]
    numbers = ids(client.get("/?sort=file_number").text)
    assert numbers == sorted(made.values())
    # the default order (by deadline) is marked too, and a filter keeps the order
    assert 'aria-sort="ascending"><a href="/?sort=-deadline"' in client.get("/").text
    filtered = client.get("/?sort=municipality&stage=application").text
    assert ids(filtered) == [made[n] for n in ("Ägidienberg", "Ahorn", "Zell am See")]
    assert 'name="sort" value="municipality"' in filtered  # the filter form keeps it
    # paging keeps the order
    assert "sort=municipality" in client.get("/?sort=municipality&stage=application").text


def test_owner_filter_in_natural_order(client: TestClient, staff: Api) -> None:
    for owner in ("Referent 10", "Referent 2", "Referent 11", "Referent 1", "Änne Ahrens", "Bernd"):
        staff.engagement(owner=owner)
    login(client, staff)
    html = client.get("/").text
    select = html.split('<select id="owner"')[1].split("</select>")[0]
    options = re.findall(r"<option(?: selected)?>([^<]+)</option>", select)
    assert options == [
        "Änne Ahrens",
        "Bernd",
        "Referent 1",
        "Referent 2",
        "Referent 10",
        "Referent 11",
    ]


def test_names_file_numbers_and_the_search(client: TestClient, staff: Api) -> None:
    first = staff.engagement(municipality="Markt Grünau", federal_state="SN")
    second = staff.engagement(municipality="Markt Grünau", federal_state="TH")
    staff.engagement(municipality="Stadt Großenhain", federal_state="NW")
    login(client, staff)
    html = client.get("/?q=grunau").text
    assert sorted(ids(html)) == [first["id"], second["id"]]
    assert f'class="ov-file-number">{first["file_number"]}</td>' in row(html, first["id"])
    assert ">Sachsen</td>" in row(html, first["id"])
    assert ">Thüringen</td>" in row(html, second["id"])
    assert ">Antrag</span>" in row(html, first["id"])  # the stage's name, not its key
    assert ids(client.get("/?q=Gruenau").text) == ids(html)
    assert len(ids(client.get("/?q=GROSSENHAIN").text)) == 1
    assert ids(client.get("/?q=" + second["file_number"]).text) == [second["id"]]
    english = client.get("/?q=grunau&lang=en").text
    assert ">Saxony</td>" in row(english, first["id"])
    assert ">Thuringia</td>" in row(english, second["id"])
    client.get("/?lang=de")


def test_every_federal_state_has_its_name_in_both_languages() -> None:
    for lang in ("de", "en"):
        words = json.loads((templates_dir() / "i18n" / lang / "overview.json").read_text("utf-8"))
        names = {code: words[f"ov_state_{code}"] for code in calendar.FEDERAL_STATES}
        assert len(set(names.values())) == 16
        if lang == "de":
            assert names == calendar.FEDERAL_STATES


def _page_rows(client: TestClient, query: str) -> list[int]:
    return ids(client.get("/?" + query).text)


def test_exports_from_the_page_have_the_overviews_rows(
    client: TestClient, staff: Api, clock: MovableClock
) -> None:
    made = []
    for i in range(30):  # more than one page of the overview (25)
        made.append(staff.engagement(municipality=f"Gemeinde {i:02d}", owner=f"Referent {i % 3}"))
    clock.advance(days=40)
    staff.engagement(municipality="=cmd|' /C calc'!A0", owner="Referent 1")
    login(client, staff)
    numbers = {e["id"]: e["file_number"] for e in made}
    page = client.get("/").text
    assert 'href="/export.csv"' in page and 'href="/export.xlsx"' in page
    for query in ("", "owner=Referent+1&sort=-municipality", "overdue=1&sort=file_number"):
        shown: list[int] = []
        for number in range(1, 3):
            shown += _page_rows(client, f"{query}&page={number}")
        wanted = [numbers.get(i) for i in shown]
        html = client.get("/?" + query + "&page=2").text
        if query:
            assert f'href="/export.csv?{query}"' in html.replace("&amp;", "&")
        response = client.get("/export.csv?" + query)
        assert response.status_code == 200
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.content[3:].decode()), delimiter=";"))
        assert rows[0][:2] == ["Aktenzeichen", "Kommune"]
        got = [r[0] for r in rows[1:]]
        assert [g for g in got if g in numbers.values()] == [w for w in wanted if w]
        assert len(got) == len(shown)
        book = load_workbook(io.BytesIO(client.get("/export.xlsx?" + query).content))
        sheet_rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert [r[0] for r in sheet_rows[1:]] == got
    formula = list(csv.reader(io.StringIO(client.get("/export.csv?q=cmd").text[1:]), delimiter=";"))
    assert formula[1][1] == "'=cmd|' /C calc'!A0"


def test_a_too_large_export_is_refused_in_german(
    client: TestClient, staff: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "LIMIT", 1)
    staff.engagement()
    staff.engagement()
    login(client, staff)
    response = client.get("/export.xlsx")
    assert response.status_code == 422
    assert "Zu viele Zeilen für einen Export: 2 (höchstens 1)" in response.text
    assert "narrow the filters" not in response.text
    assert client.get("/export.xlsx?overdue=1").status_code == 200


def test_exports_need_a_login(client: TestClient, staff: Api) -> None:
    staff.engagement()
    for path in ("/export.csv", "/export.xlsx"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login"


def test_odd_sort_and_soon_values_are_no_filter(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    login(client, staff)
    for query in ("sort=%00", "sort=-", "sort=id", "soon=-3", "soon=abc", "soon=99999", "soon=0"):
        for path in ("/", "/export.csv", "/export.xlsx"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 200, (path, query)
        assert ids(client.get(f"/?{query}").text) in ([eid], [])
    assert ids(client.get("/?sort=id").text) == [eid]
