"""The overdue view and the deadline fields of an engagement: most overdue first, days
overdue in calendar and working days, owner and stage filters, `?overdue=true`, and
deadlines set on every transition (docs/api.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from service.core.clock import MovableClock
from tests.conftest import BERLIN
from tests.support import Api


def _deadline(staff: Api, eid: int, due: str, reason: str = "Test") -> dict[str, object]:
    return dict(
        staff.ok(
            staff.patch(
                f"/api/v1/engagements/{eid}/deadline", json={"due_at": due, "reason": reason}
            )
        )
    )


def test_overdue_most_overdue_first_with_days_and_filters(
    staff: Api, supervisor: Api, clock: MovableClock
) -> None:
    # now: Monday 2 March 2026, 09:00
    e1 = staff.engagement(municipality="Altdorf", federal_state="BY", owner="Lena Vogel")["id"]
    e2 = staff.engagement(municipality="Neustadt", federal_state="NW")["id"]
    e3 = staff.engagement(municipality="Mittelberg", federal_state="SN")["id"]
    e4 = staff.engagement(municipality="Pünktlich", federal_state="NI")["id"]
    staff.ok(staff.fire(e3, "approve"))
    # the owner is settable (and recorded in history)
    staff.ok(staff.patch(f"/api/v1/engagements/{e2}", json={"owner": "Tom Berger"}))
    staff.ok(staff.patch(f"/api/v1/engagements/{e3}", json={"owner": "Lena Vogel"}))
    last = staff.ok(staff.get(f"/api/v1/engagements/{e2}/history"))[-1]
    assert last["summary_de"] == "Zuständigkeit: – → Tom Berger"

    _deadline(staff, e1, "2026-02-20")  # Friday
    _deadline(staff, e2, "2026-02-25")  # Wednesday
    _deadline(staff, e3, "2026-02-27")  # Friday
    _deadline(staff, e4, "2026-03-04")

    response = supervisor.get("/api/v1/overdue")
    items = supervisor.ok(response)
    assert response.headers["X-Total-Count"] == "3"
    assert [i["id"] for i in items] == [e1, e2, e3]
    first = items[0]
    assert first == {
        "id": e1,
        "municipality": "Altdorf",
        "federal_state": "BY",
        "process": "fokusberatung",
        "state": "application",
        "stage_due_at": "2026-02-20T23:59:59+01:00",
        "days_overdue": 10,
        "working_days_overdue": 6,  # 23-27 February, 2 March
        "owner": "Lena Vogel",
        "reason": "stage",
        "milestone": None,
    }
    assert (items[1]["days_overdue"], items[1]["working_days_overdue"]) == (5, 3)
    assert (items[2]["days_overdue"], items[2]["working_days_overdue"]) == (3, 1)
    assert items[2]["state"] == "onboarding"

    def ids(url: str) -> list[int]:
        return [i["id"] for i in supervisor.ok(supervisor.get(url))]

    assert ids("/api/v1/overdue?state=onboarding") == [e3]
    assert ids("/api/v1/overdue?owner=Lena%20Vogel") == [e1, e3]
    assert ids("/api/v1/overdue?owner=Lena%20Vogel&state=application") == [e1]
    assert ids("/api/v1/overdue?limit=1&offset=1") == [e2]
    assert supervisor.get("/api/v1/overdue?state=nonsense").status_code == 422

    page = supervisor.ok(supervisor.get("/api/v1/engagements?overdue=true"))
    assert page["total"] == 3
    assert sorted(i["id"] for i in page["items"]) == [e1, e2, e3]
    assert all(i["overdue"] for i in page["items"])
    page = supervisor.ok(supervisor.get("/api/v1/engagements?overdue=false"))
    assert [i["id"] for i in page["items"]] == [e4]
    page = supervisor.ok(supervisor.get("/api/v1/engagements?overdue=true&owner=Tom%20Berger"))
    assert [i["id"] for i in page["items"]] == [e2]

    shown = staff.ok(staff.get(f"/api/v1/engagements/{e1}"))
    assert (shown["overdue"], shown["days_left"], shown["working_days_left"]) == (True, -10, -6)
    shown = staff.ok(staff.get(f"/api/v1/engagements/{e4}"))
    assert (shown["overdue"], shown["days_left"], shown["working_days_left"]) == (False, 2, 2)

    # overdue is computed from the clock, never stored: two days on, e4 is overdue too
    clock.advance(days=3)
    assert ids("/api/v1/overdue") == [e1, e2, e3, e4]
    assert staff.ok(staff.get(f"/api/v1/engagements/{e4}"))["overdue"] is True
    # a stage that moves on leaves the list
    staff.ok(staff.fire(e1, "reject"))
    assert ids("/api/v1/overdue") == [e2, e3, e4]


def test_every_transition_sets_stage_entered_and_due(staff: Api, clock: MovableClock) -> None:
    eid = staff.engagement()["id"]
    clock.advance(days=1, hours=2)  # Tuesday 3 March, 11:00
    shown = staff.ok(staff.fire(eid, "approve"))
    assert shown["stage_entered_at"] == "2026-03-03T11:00:00+01:00"
    # onboarding: 30 working days in BY, over Good Friday (3 April) and Easter Monday
    assert shown["stage_due_at"] == "2026-04-16T23:59:59+02:00"
    assert (shown["days_left"], shown["working_days_left"]) == (44, 30)
    staff.ok(staff.fire(eid, "withdraw"))
    final = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert final["stage_due_at"] is None
    assert (final["overdue"], final["days_left"], final["funding_days_left"]) == (False, None, None)
    refused = staff.patch(
        f"/api/v1/engagements/{eid}/deadline", json={"due_at": "2026-05-01", "reason": "x"}
    )
    assert refused.status_code == 409


def test_a_deadline_on_a_holiday_moves_to_the_next_working_day(staff: Api) -> None:
    by = staff.engagement(federal_state="BY")["id"]
    ni = staff.engagement(federal_state="NI")["id"]
    # Fronleichnam, Thursday 4 June 2026: a holiday in BY, not in NI
    assert _deadline(staff, by, "2026-06-04T10:00:00+02:00")["stage_due_at"] == (
        "2026-06-05T23:59:59+02:00"
    )
    assert _deadline(staff, ni, "2026-06-04T10:00:00+02:00")["stage_due_at"] == (
        "2026-06-04T23:59:59+02:00"
    )


@pytest.mark.parametrize(
    "settings_overrides", [{"stage_deadline_working_days": {"application": 3}}]
)
def test_stage_deadlines_are_overridable_by_settings(staff: Api, clock: MovableClock) -> None:
    shown = staff.engagement()
    assert shown["stage_due_at"] == "2026-03-05T23:59:59+01:00"
    workflow = staff.ok(staff.get("/api/v1/workflow"))
    days = {s["name"]: s["deadline_working_days"] for s in workflow["states"]}
    assert days["application"] == 3 and days["onboarding"] == 30


def test_now_is_the_injected_clock(staff: Api, clock: MovableClock) -> None:
    eid = staff.engagement()["id"]
    clock.set(datetime(2026, 3, 30, 23, 59, 58, tzinfo=BERLIN))
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["overdue"] is False
    clock.advance(timedelta(seconds=2))
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["overdue"] is True
