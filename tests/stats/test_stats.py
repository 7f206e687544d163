"""Portfolio statistics (CONTRACT "The portfolio (issue 11)"): `GET /api/v1/stats` counts
engagements per process and stage, the overdue ones, the funding periods ending within 90
days, the median days in each stage against its target, the consulting days used against
the budget and the overdue trend of the last 12 weeks; `/stats` shows them as SVG charts
with titles and a data table beside each, German by default."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.clock import MovableClock
from service.core.context import Context
from tests.records.programme import fired, grant, v2_engagement
from tests.support import Api, wait_until

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
