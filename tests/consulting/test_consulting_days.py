"""The consulting-day ledger (CONTRACT "The programme's rules (issue 9)"): at most 20 days
for a Fokusberatung, inside the funding period, half of them in direct contact (on site;
from KRL 2022 digital too), which `finish_consulting` checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from service.core.clock import MovableClock
from service.core.context import Context
from service.engagements.facts import load_one
from tests.records.programme import (
    PERIOD_END,
    PERIOD_START,
    grant,
    v2_engagement,
    walk_to_implementation,
)
from tests.support import Api
from workflows.programme import KRL_VERSIONS, RULES


def log(api: Api, eid: int, days: float, mode: str = "on_site", **fields: Any) -> httpx.Response:
    body = {
        "date": PERIOD_START.isoformat(),
        "days": days,
        "mode": mode,
        "consultant": "Dr. Jonas Berger",
        "activity": "Bestandsaufnahme vor Ort",
        **fields,
    }
    return api.post(f"/api/v1/engagements/{eid}/consulting-days", json=body)


def ledger(api: Api, eid: int) -> dict[str, Any]:
    result: dict[str, Any] = api.ok(api.get(f"/api/v1/engagements/{eid}/consulting-days"))
    return result


def test_days_are_recorded_summed_and_in_the_history(staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    grant(staff, eid)
    made = staff.created(log(staff, eid, 1.5))
    assert (made["days"], made["mode"], made["direct"]) == (1.5, "on_site", True)
    staff.created(log(staff, eid, 0.5, "desk", date="2026-04-01"))
    got = ledger(staff, eid)
    assert [i["days"] for i in got["items"]] == [1.5, 0.5]
    assert (got["total_days"], got["direct_days"], got["budget_days"]) == (2.0, 1.5, 20.0)
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert [h["summary_de"] for h in history if h["subject"] == "consulting_day"] == [
        "Beratertage erfasst: 1,5 am 02.03.2026 (vor Ort, Dr. Jonas Berger)",
        "Beratertage erfasst: 0,5 am 01.04.2026 (Schreibtisch, Dr. Jonas Berger)",
    ]


def test_21_consulting_days_are_refused(staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    grant(staff, eid)
    one_entry = log(staff, eid, 21)
    assert one_entry.status_code == 422, one_entry.text
    for n in range(4):
        staff.created(log(staff, eid, 5, date=(PERIOD_START + timedelta(days=n)).isoformat()))
    assert ledger(staff, eid)["total_days"] == 20
    the_21st = log(staff, eid, 1, date="2026-04-01")
    assert the_21st.status_code == 422, the_21st.text
    detail = the_21st.json()["detail"]
    assert "beyond the consulting budget" in detail and "20 consulting days" in detail
    assert "Beratungsbudget" in detail
    half_more = log(staff, eid, 0.5, date="2026-04-01")
    assert half_more.status_code == 422
    assert ledger(staff, eid)["total_days"] == 20


@pytest.mark.parametrize("days", [0, -1, 0.25, 1.3, "1", True, 20.5])
def test_days_come_in_half_day_steps(staff: Api, days: object) -> None:
    eid = v2_engagement(staff)["id"]
    grant(staff, eid)
    assert log(staff, eid, days).status_code == 422  # type: ignore[arg-type]


def test_days_outside_the_funding_period_or_before_a_grant_are_refused(staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    no_grant = log(staff, eid, 1)
    assert no_grant.status_code == 422
    assert "no grant notice" in no_grant.json()["detail"]
    grant(staff, eid)
    before = log(staff, eid, 1, date=(PERIOD_START - timedelta(days=1)).isoformat())
    assert before.status_code == 422
    assert "before the funding period" in before.json()["detail"]
    after = log(staff, eid, 1, date=(PERIOD_END + timedelta(days=1)).isoformat())
    assert after.status_code == 422
    staff.created(log(staff, eid, 1, date=PERIOD_START.isoformat()))
    staff.created(log(staff, eid, 1, date=PERIOD_END.isoformat()))


@pytest.mark.parametrize(
    ("krl", "mode", "direct"),
    [
        ("2020", "on_site", True),
        ("2020", "digital", False),
        ("2020", "desk", False),
        ("2022", "on_site", True),
        ("2022", "digital", True),
        ("2022", "desk", False),
        ("2024", "on_site", True),
        ("2024", "digital", True),
        ("2024", "desk", False),
    ],
)
def test_direct_contact_per_krl_version(
    staff: Api, ctx: Context, krl: str, mode: str, direct: bool
) -> None:
    """The ledger, the KRL rules and the guard's fact agree on what is direct contact."""
    assert (mode in RULES[krl].direct_modes) is direct
    eid = v2_engagement(staff, krl_version=krl)["id"]
    grant(staff, eid)
    made = staff.created(log(staff, eid, 2, mode))
    assert made["direct"] is direct
    got = ledger(staff, eid)
    assert (got["total_days"], got["direct_days"]) == (2, 2 if direct else 0)
    with ctx.db.read() as session:
        _, facts = load_one(session, eid, ctx.clock.now(), ctx.fact_plan)
    assert float(facts.named["consulting_direct_days"]) == got["direct_days"]


def test_every_krl_version_is_in_the_table() -> None:
    assert set(KRL_VERSIONS) == {"2020", "2022", "2024"}


def test_20_days_of_which_9_direct_refuse_finish_consulting(
    staff: Api, clock: MovableClock
) -> None:
    eid = walk_to_implementation(staff, clock, krl_version="2022")
    # 9 days in direct contact (on site and, under KRL 2022, digital), 11 at the desk
    staff.created(log(staff, eid, 4.5, "on_site", date="2026-03-03"))
    staff.created(log(staff, eid, 4.5, "digital", date="2026-03-04"))
    staff.created(log(staff, eid, 5.5, "desk", date="2026-03-05"))
    staff.created(log(staff, eid, 5.5, "desk", date="2026-03-06"))
    got = ledger(staff, eid)
    assert (got["total_days"], got["direct_days"], got["budget_days"]) == (20, 9, 20)
    refused = staff.fire(eid, "finish_consulting")
    assert refused.status_code == 409, refused.text
    guards = {g["name"]: g for g in refused.json()["failed_guards"]}
    half = guards["half_in_direct_contact"]
    assert "Hälfte der Beratertage" in half["reason_de"] and "direkt" in half["reason_de"]
    assert "half of the consulting days" in half["reason_en"]
    assert "consulting_days_within_budget" not in guards  # 20 days are within it
    engagement = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert engagement["state"] == "implementation"


def test_a_final_engagement_takes_no_days(staff: Api) -> None:
    eid = v2_engagement(staff)["id"]
    grant(staff, eid)
    staff.ok(staff.fire(eid, "withdraw", note="Gemeinderat hat abgelehnt"))
    assert log(staff, eid, 1).status_code == 409


def test_unknown_engagement_is_404(staff: Api) -> None:
    assert log(staff, 999_999, 1).status_code == 404
    assert staff.get("/api/v1/engagements/999999/consulting-days").status_code == 404


def test_a_klimaschutzmanagement_has_no_day_budget(staff: Api) -> None:
    eid = v2_engagement(staff, process="klimaschutzmanagement")["id"]
    grant(staff, eid, period_end="2028-02-29")
    for n in range(5):
        staff.created(log(staff, eid, 5, date=(PERIOD_START + timedelta(days=n)).isoformat()))
    got = ledger(staff, eid)
    assert (got["total_days"], got["budget_days"]) == (25, None)
