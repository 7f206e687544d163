"""Helpers for tests of the programme's evidence and consulting days: a grant notice
recorded through the API, and a Fokusberatung v2 walked to a stage."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from service.core.clock import MovableClock
from tests.support import ENGAGEMENT, Api

NOTICE = date(2026, 2, 20)
PERIOD_START = date(2026, 3, 2)
PERIOD_END = date(2027, 8, 31)


def v2_engagement(api: Api, **overrides: Any) -> dict[str, Any]:
    """A Fokusberatung of the latest version (no pinned process_version)."""
    body = {k: v for k, v in ENGAGEMENT.items() if k != "process_version"}
    return api.created(api.post("/api/v1/engagements", json={**body, **overrides}))


def grant(api: Api, engagement_id: int, **overrides: Any) -> dict[str, Any]:
    """The grant notice, recorded as a programme officer would (PUT …/grant)."""
    body: dict[str, Any] = {
        "funding_reference": f"67K{engagement_id:05d}",
        "notice_date": NOTICE.isoformat(),
        "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(),
        "eligible_costs": 24_000.0,
        "grant_amount": 12_000.0,
        "funding_rate_percent": 50.0,
        **overrides,
    }
    result: dict[str, Any] = api.ok(
        api.put(f"/api/v1/engagements/{engagement_id}/grant", json=body)
    )
    return result


def record(api: Api, eid: int, kind: str, day: date = PERIOD_START, **fields: Any) -> Any:
    body = {"kind": kind, "date": day.isoformat(), **fields}
    return api.post(f"/api/v1/engagements/{eid}/records", json=body)


def fired(api: Api, eid: int, trigger: str, **body: Any) -> dict[str, Any]:
    answer = api.fire(eid, trigger, **body)
    assert answer.status_code == 200, (trigger, answer.status_code, answer.text)
    result: dict[str, Any] = answer.json()
    return result


def walk_to_implementation(api: Api, clock: MovableClock, **overrides: Any) -> int:
    """A Fokusberatung v2 from application to implementation, each guard met."""
    eid = int(v2_engagement(api, **overrides)["id"])
    grant(api, eid)
    fired(api, eid, "approve")
    api.created(record(api, eid, "consultant_contract", NOTICE + timedelta(days=3)))
    fired(api, eid, "start_onboarding")
    api.created(record(api, eid, "stocktaking", PERIOD_START + timedelta(days=2)))
    api.participant(eid)
    fired(api, eid, "start_workshops")
    api.workshop(eid)  # 2026-03-10, 17:00-20:00
    clock.advance(days=10)
    fired(api, eid, "draft_vision")
    for n in range(5):
        api.measure(eid, title=f"Maßnahme {n + 1}")
    fired(api, eid, "adopt_vision")
    api.created(record(api, eid, "resolution", PERIOD_START + timedelta(days=30)))
    state = fired(api, eid, "record_resolution")["state"]
    assert state == "implementation", state
    return eid
