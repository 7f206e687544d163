"""Issue 11: the measures' fields of action (the Kommunalrichtlinie's), when a measure
started, and which starts count for the started-measure rule: only those inside the
funding period, and never adaptation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.core.clock import MovableClock
from service.core.context import Context
from service.core.translations import language
from service.engagements.facts import load_one
from tests.support import Api

BERLIN = ZoneInfo("Europe/Berlin")
AREAS = [
    "municipal_buildings",
    "mobility",
    "energy_supply",
    "households",
    "business",
    "public_outreach",
    "adaptation",
    "other",
    # added by issue 11
    "procurement",
    "spatial_planning",
    "street_lighting",
    "waste",
    "water_wastewater",
    "heat",
    "it_datacentres",
    "finance_investments",
]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize("area", AREAS)
def test_every_field_of_action_is_taken(staff: Api, area: str) -> None:
    eid = staff.engagement()["id"]
    assert staff.measure(eid, action_area=area)["action_area"] == area


def test_an_unknown_field_of_action_is_refused_by_name(staff: Api) -> None:
    eid = staff.engagement()["id"]
    response = staff.post(
        f"/api/v1/engagements/{eid}/measures", json={"title": "Wetter", "action_area": "weather"}
    )
    assert response.status_code == 422, response.text
    assert "action_area" in response.json()["detail"]


def test_every_field_of_action_has_a_label_in_both_languages(staff: Api) -> None:
    for lang in ("de", "en"):
        assert sorted(language(lang).action_areas) == sorted(AREAS), lang


def _status(staff: Api, measure_id: int, status: str) -> dict[str, Any]:
    body = staff.ok(staff.patch(f"/api/v1/measures/{measure_id}", json={"status": status}))
    assert isinstance(body, dict)
    return body


def test_started_at_is_set_when_a_measure_first_goes_in_progress_and_kept(
    staff: Api, clock: MovableClock
) -> None:
    eid = staff.engagement()["id"]
    measure = staff.measure(eid)
    assert measure["started_at"] is None
    assert _status(staff, measure["id"], "delayed")["started_at"] is None

    started = clock.advance(days=3)
    first = _status(staff, measure["id"], "in_progress")["started_at"]
    assert _at(first) == started

    clock.advance(days=10)
    assert _status(staff, measure["id"], "delayed")["started_at"] == first
    assert _status(staff, measure["id"], "in_progress")["started_at"] == first
    assert _status(staff, measure["id"], "completed")["started_at"] == first
    progress = staff.ok(
        staff.patch(f"/api/v1/measures/{measure['id']}", json={"progress_percent": 50})
    )
    assert progress["started_at"] == first
    listed = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))
    assert [m["started_at"] for m in listed] == [first]


def test_a_measure_completed_without_being_in_progress_started_then(
    staff: Api, clock: MovableClock
) -> None:
    eid = staff.engagement()["id"]
    measure = staff.measure(eid)
    done = clock.advance(days=1)
    assert _at(_status(staff, measure["id"], "completed")["started_at"]) == done


def _started_in_period(ctx: Context, eid: int) -> int:
    with ctx.db.read() as session:
        _, facts = load_one(session, eid, ctx.clock.now(), ctx.fact_plan)
    return int(facts["measures_started_in_period"])


def test_only_starts_inside_the_funding_period_count_and_adaptation_never(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    """A version-2 Fokusberatung funded from 2026-03-09 to 2026-09-30 (its grant notice,
    approved: the period runs from the start of its first to the end of its last day)."""
    eid = staff.engagement(process_version=2)["id"]
    grant = {
        "funding_reference": "67K12345",
        "notice_date": "2026-03-02",
        "period_start": "2026-03-09",
        "period_end": "2026-09-30",
        "eligible_costs": 20_000,
        "grant_amount": 18_000,
        "funding_rate_percent": 90,
    }
    staff.ok(
        staff.client.put(f"/api/v1/engagements/{eid}/grant", headers=staff.headers, json=grant)
    )
    approved = staff.ok(staff.fire(eid, "approve"))
    period_end = datetime(2026, 9, 30, 23, 59, 59, tzinfo=BERLIN)
    assert _at(approved["funding_ends_at"]) == period_end
    before = staff.measure(eid, title="Vor dem Bewilligungszeitraum begonnen")
    adaptation = staff.measure(eid, title="Hitzeaktionsplan", action_area="adaptation")
    inside = staff.measure(eid, title="LED-Straßenbeleuchtung", action_area="street_lighting")
    after = staff.measure(eid, title="Nach dem Ende begonnen", action_area="heat")
    planned = staff.measure(eid, title="Nie begonnen", action_area="waste")
    assert planned["started_at"] is None

    _status(staff, before["id"], "in_progress")  # 2026-03-02: before the period
    assert _started_in_period(ctx, eid) == 0

    clock.set(datetime(2026, 5, 4, 10, tzinfo=BERLIN))
    _status(staff, adaptation["id"], "in_progress")
    assert _started_in_period(ctx, eid) == 0  # adaptation does not count
    _status(staff, before["id"], "completed")  # its start stays before the period
    assert _started_in_period(ctx, eid) == 0

    clock.set(period_end + timedelta(seconds=1))
    _status(staff, after["id"], "in_progress")
    assert _started_in_period(ctx, eid) == 0  # after the funding end

    clock.set(period_end)
    _status(staff, inside["id"], "in_progress")  # the period's last second still counts
    assert _started_in_period(ctx, eid) == 1
