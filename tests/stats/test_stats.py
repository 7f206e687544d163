"""Portfolio statistics (CONTRACT "The portfolio (issue 11)"): `GET /api/v1/stats` counts
engagements per process and stage, the overdue ones, the funding periods ending within 90
days, the median days in each stage against its target, the consulting days used against
the budget and the overdue trend of the last 12 weeks; `/stats` shows them as SVG charts
with titles and a data table beside each, German by default."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.clock import MovableClock
from service.core.context import Context
from tests.records.programme import fired, grant, v2_engagement
from tests.support import Api, wait_until
from tests.web.conftest import login

START = datetime.fromisoformat("2026-03-02T09:00:00+01:00")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"stats_cache_seconds": 0}  # every request sees the latest writes


def stats(api: Api) -> dict[str, Any]:
    result: dict[str, Any] = api.ok(api.get("/api/v1/stats"))
    return result


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def portfolio(staff: Api, clock: MovableClock) -> dict[str, int]:
    """Version 1 engagements that left `application` after 2, 4, 9 and 40 days (the last one
    past its target of 20 working days, about 28 calendar days, for its last 12 days),
    one still in it, and two version 2 engagements with a grant: one whose funding ends
    within 90 days with 5 consulting days, one ending in 2027 with none."""
    ids = {name: staff.engagement()["id"] for name in ("a", "b", "c", "d", "e")}
    clock.advance(days=2)
    fired(staff, ids["a"], "approve")
    clock.advance(days=2)
    fired(staff, ids["b"], "approve")
    clock.advance(days=5)
    fired(staff, ids["c"], "reject")
    clock.advance(days=31)  # START + 40 days
    fired(staff, ids["e"], "approve")
    for name, end in (("soon", "2026-06-30"), ("later", "2027-08-31")):
        ids[name] = v2_engagement(staff)["id"]
        grant(staff, ids[name], period_end=end)
        fired(staff, ids[name], "approve")
    staff.created(
        staff.post(
            f"/api/v1/engagements/{ids['soon']}/consulting-days",
            json={
                "date": "2026-04-10",
                "days": 5,
                "mode": "on_site",
                "consultant": "Dr. Jonas Berger",
                "activity": "Bestandsaufnahme",
            },
        )
    )
    clock.advance(days=10)  # START + 50 days, Tuesday 21 April 2026
    return ids


def test_counts_overdue_funding_and_medians(staff: Api, clock: MovableClock) -> None:
    portfolio(staff, clock)
    got = stats(staff)
    assert got["by_process"]["fokusberatung"]["application"] == 1
    assert got["by_process"]["fokusberatung"]["onboarding"] == 3
    assert got["by_process"]["fokusberatung"]["rejected"] == 1
    assert got["by_process"]["fokusberatung"]["contracting"] == 2
    assert got["by_process"]["fokusberatung"]["completed"] == 0  # every stage is listed
    assert set(got["by_process"]["klimaschutzmanagement"].values()) == {0}

    items = staff.ok(staff.get("/api/v1/engagements"))["items"]
    now = clock.now()
    overdue = [i["id"] for i in items if i["stage_due_at"] and when(i["stage_due_at"]) < now]
    assert got["overdue"] == len(overdue)
    assert 0 < got["overdue"] < len(items)
    assert got["funding_ending_90_days"] == 1

    # application stays of 2, 4, 9 and 40 days (v1), 0 and 0 (v2, approved at once); nobody
    # has left onboarding yet
    assert got["median_days_in_stage"]["fokusberatung"]["application"] == 3.0
    assert "onboarding" not in got["median_days_in_stage"]["fokusberatung"]
    latest = staff.ok(staff.get("/api/v1/processes/fokusberatung"))
    targets = {s["name"]: s["deadline_working_days"] for s in latest["stages"] if not s["final"]}
    assert got["stage_target_working_days"]["fokusberatung"] == targets

    # five funded, running Fokusberatungen (three v1 approved, two v2): 5 days of 100
    consulting = got["consulting_days"]
    assert (consulting["engagements"], consulting["used_days"]) == (5, 5.0)
    assert consulting["budget_days"] == 100.0
    shares = {b["share"]: b["engagements"] for b in consulting["by_share"]}
    assert shares == {"0": 4, "1-24": 0, "25-49": 1, "50-74": 0, "75-99": 0, "100": 0}
    assert when(got["generated_at"]) == now
    assert got["max_age_seconds"] == 0


def test_overdue_trend_from_the_history(staff: Api, clock: MovableClock) -> None:
    ids = portfolio(staff, clock)
    trend = stats(staff)["overdue_trend"]
    assert len(trend) == 12
    assert [p["week"] for p in trend][-3:] == ["2026-W15", "2026-W16", "2026-W17"]
    points = [when(p["at"]) for p in trend]
    assert points[-1] == clock.now()
    assert all(p.weekday() == 0 and p.hour == 0 for p in points[:-1])  # Mondays 00:00 local
    assert points == sorted(points) and points[-2].date() - points[0].date() == timedelta(weeks=10)

    items = {i["id"]: i for i in staff.ok(staff.get("/api/v1/engagements"))["items"]}
    e_left = START + timedelta(days=40)
    e_due = START + timedelta(days=28)  # the approximation: 20 working days × 7/5
    for point in trend:
        at = when(point["at"])
        current = sum(
            1 for i in items.values() if i["stage_due_at"] and when(i["stage_due_at"]) < at
        )
        ended = 1 if e_due < at < e_left else 0
        assert point["overdue"] == current + ended, point
    # the week E was overdue and has since moved on counts it: 6 April 2026
    assert any(when(p["at"]).date() == date(2026, 4, 6) for p in trend)
    assert e_due < datetime.fromisoformat("2026-04-06T00:00:00+02:00") < e_left
    assert items[ids["e"]]["state"] == "onboarding"


def test_every_role_may_read_and_nobody_else(
    staff: Api, supervisor: Api, admin: Api, client: TestClient
) -> None:
    for api in (staff, supervisor, admin):
        assert api.get("/api/v1/stats").status_code == 200
    assert client.get("/api/v1/stats").status_code == 401


@pytest.mark.sqlite_only
def test_a_snapshot_is_served_until_it_is_older_than_the_setting(
    staff: Api, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = ctx.settings.model_copy(update={"stats_cache_seconds": 60})
    monkeypatch.setattr(ctx, "settings", cached)
    first = stats(staff)
    assert first["max_age_seconds"] == 60
    staff.engagement()
    assert stats(staff) == first  # cached: the new engagement is not counted yet
    monkeypatch.setattr("service.stats.service.monotonic", lambda: 10.0**9)  # 60 s later
    assert stats(staff) == first  # served while the next one is computed in the background

    def counted() -> bool:
        return bool(sum(stats(staff)["by_process"]["fokusberatung"].values()) == 1)

    wait_until(counted)


class _Page(HTMLParser):
    """The page's SVG charts (their role, labels, title and desc) and its tables."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict[str, str | None]] = []
        self.ids: dict[str, str] = {}  # id -> tag
        self.texts: dict[str, str] = {}  # id of a title/desc -> its text
        self.tables: list[list[list[str]]] = []
        self.captions: list[str] = []
        self._open: list[tuple[str, str | None]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids[str(found["id"])] = tag
        if tag == "svg":
            self.svgs.append(found)
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        self._open.append((tag, found.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._open:
            tag, ident = self._open[-1]
            if tag in ("title", "desc") and ident:
                self.texts[ident] = self.texts.get(ident, "") + data
            if tag == "caption":
                self.captions.append(data.strip())


def parsed(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_the_page_shows_svg_charts_with_titles_and_tables_in_german(
    staff: Api, client: TestClient, clock: MovableClock
) -> None:
    portfolio(staff, clock)
    login(client, staff)
    response = client.get("/stats")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="de">' in html and "Statistik des Programms" in html
    assert "<script" not in html and "https://" not in html  # no JavaScript, no CDN
    page = parsed(html)
    # per process: stages and medians (the Klimaschutzmanagement has no stay yet but its
    # targets), consulting days, trend
    assert len(page.svgs) == 6
    assert len(page.tables) == len(page.svgs)
    for svg in page.svgs:
        assert svg["role"] == "img"
        title_id, desc_id = str(svg["aria-labelledby"]).split()
        assert page.ids[title_id] == "title" and page.ids[desc_id] == "desc"
        assert page.texts[title_id].strip() and page.texts[desc_id].strip()
    assert "Vorhaben je Stufe: Fokusberatung Klimaschutz" in page.captions
    stages = {row[0]: row[1] for row in page.tables[0] if len(row) == 2}
    assert stages["Antrag"] == "1" and stages["Abgelehnt"] == "1"
    assert stages["Gesamt"] == "7"
    medians = {row[0]: row[1:] for row in page.tables[1][1:]}
    assert medians["Antrag"] == ["3", "20", "28"]  # median days, working days, ≈ days
    trend = page.tables[-1][1:]
    assert len(trend) == 12 and trend[-1][0] == "KW 17"
    assert trend[-1][2] == str(stats(staff)["overdue"])
    consulting = {row[0]: row[1] for row in page.tables[-2][1:]}
    assert consulting["25-49 %"] == "1" and consulting["0 %"] == "4"
    assert 'href="/stats"' in html  # the navigation links here


def test_the_page_in_english_for_every_role_and_not_without_login(
    staff: Api, supervisor: Api, admin: Api, client: TestClient
) -> None:
    assert client.get("/stats", follow_redirects=False).headers["location"] == "/login"
    for api in (supervisor, admin, staff):
        login(client, api)
        response = client.get("/stats?lang=en")
        assert response.status_code == 200
        assert '<html lang="en">' in response.text
        assert "Overdue engagements over the last 12 weeks" in response.text
