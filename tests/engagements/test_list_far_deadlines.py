"""A listed engagement costs the same whatever its deadline (issue 9 item 8): a page with
deadlines in 2090 in all 16 federal states builds no more holiday tables than the states
it shows, and its working days left are those of a day-by-day count. Timings are in
bench/list_far_deadlines.py; here the work itself is counted."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import holidays
import pytest

from tests.support import Api
from workflows import calendar

STATES = sorted(calendar.FEDERAL_STATES)
TODAY = date(2026, 3, 2)  # the test clock's day (tests/conftest.py START)


def _naive_working_days(start: date, end: date, state: str) -> int:
    """Working days in (start, end], asking the `holidays` package one year at a time."""
    years: dict[int, Any] = {}
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.year not in years:
            years[day.year] = holidays.country_holidays("DE", subdiv=state, years=day.year)
        count += day.weekday() < 5 and day not in years[day.year]
    return count


class _Builds:
    """How many `holidays` objects the code under test builds."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = holidays.country_holidays

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(holidays, "country_holidays", counting)


def _engagements_due(staff: Api, year: int, per_state: int) -> dict[int, tuple[str, date]]:
    """Engagements in every state, deadlines spread over `year`: id -> (state, due day)."""
    made: dict[int, tuple[str, date]] = {}
    for i in range(per_state * len(STATES)):
        state = STATES[i % len(STATES)]
        eid = staff.engagement(federal_state=state)["id"]
        wanted = date(year, 1, 5) + timedelta(days=11 * i)
        moved = staff.ok(
            staff.patch(
                f"/api/v1/engagements/{eid}/deadline",
                json={"due_at": f"{wanted.isoformat()}T12:00:00", "reason": "long project"},
            )
        )
        made[eid] = (state, date.fromisoformat(moved["stage_due_at"][:10]))
    return made


@pytest.mark.parametrize("year", [2027, 2090])
def test_a_page_builds_one_holiday_table_per_state_whatever_the_deadline(
    staff: Api, monkeypatch: pytest.MonkeyPatch, year: int
) -> None:
    made = _engagements_due(staff, year, per_state=2)
    calendar._table.cache_clear()  # as in a fresh process
    builds = _Builds(monkeypatch)

    page = staff.ok(staff.get("/api/v1/engagements", params={"limit": 100}))
    assert builds.count == len(STATES)
    staff.ok(staff.get("/api/v1/engagements", params={"limit": 100}))
    assert builds.count == len(STATES)

    assert len(page["items"]) == len(made)
    for item in page["items"]:
        state, due_day = made[item["id"]]
        assert item["federal_state"] == state
        assert item["working_days_left"] == _naive_working_days(TODAY, due_day, state), item


def test_the_overdue_view_counts_long_overdue_deadlines_alike(
    staff: Api, supervisor: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deadlines in 1992 (34 years overdue) cost the overdue view no more than recent ones."""
    made = _engagements_due(staff, 1992, per_state=1)
    calendar._table.cache_clear()
    builds = _Builds(monkeypatch)

    overdue = supervisor.ok(supervisor.get("/api/v1/overdue"))
    assert builds.count == len(STATES)
    assert len(overdue) == len(made)
    for item in overdue:
        state, due_day = made[item["id"]]
        assert item["working_days_overdue"] == _naive_working_days(due_day, TODAY, state), item
