"""The grant notice (Zuwendungsbescheid): recorded before `approve`, the funding period
taken from it (its end never moved past a weekend or holiday, § 31 (4) VwVfG), the
minimum grant per KRL version, changes only with a reason and in the history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.core.context import Context
from service.engagements.models import Engagement
from tests.conftest import BERLIN
from tests.support import Api
from tests.web.conftest import login

# the latest version (fokusberatung v2, the default): its process needs the grant to approve
V2: dict[str, Any] = {"process_version": None}
GRANT = {
    "funding_reference": "67K12345",
    "notice_date": "2026-03-20",
    "period_start": "2026-04-01",
    "period_end": "2027-09-30",
    "eligible_costs": 30_000,
    "grant_amount": 27_000,
    "funding_rate_percent": 90,
}


def put_grant(api: Api, eid: int, **body: Any) -> httpx.Response:
    return api.client.put(
        f"/api/v1/engagements/{eid}/grant", headers=api.headers, json={**GRANT, **body}
    )


def history_notes(api: Api, eid: int) -> list[str]:
    """The grant's entries in the history: the German summary, then the reason given."""
    items = api.ok(api.get(f"/api/v1/engagements/{eid}/history?kind=change"))
    return [
        item["summary_de"] + (f" ({item['note']})" if item["note"] else "")
        for item in items
        if item["subject"] == "grant"
    ]


def set_krl_version(ctx: Context, eid: int, version: str) -> None:
    with ctx.db.write() as session:
        engagement = session.get(Engagement, eid)
        assert engagement is not None
        engagement.krl_version = version
        session.add(engagement)


@pytest.mark.parametrize("process", ["fokusberatung", "klimaschutzmanagement"])
def test_approve_is_refused_until_the_grant_is_recorded_then_the_period_is_the_grants(
    staff: Api, process: str
) -> None:
    eid = staff.engagement(**V2, process=process)["id"]
    assert staff.get(f"/api/v1/engagements/{eid}/grant").status_code == 404
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["grant"] is None

    refused = staff.fire(eid, "approve")
    assert refused.status_code == 409, refused.text
    (guard,) = refused.json()["failed_guards"]
    assert guard["name"] == "grant_recorded"
    assert "Zuwendungsbescheid" in guard["reason_de"]
    assert "grant notice" in guard["reason_en"]

    shown = staff.ok(put_grant(staff, eid))
    assert shown["grant"]["funding_reference"] == "67K12345"
    assert shown["grant"]["period_end"] == "2027-09-30"
    assert shown["funding_ends_at"] is None  # not approved yet
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/grant"))["grant_amount"] == 27_000
    (note,) = history_notes(staff, eid)
    assert note.startswith("Zuwendungsbescheid erfasst: Förderkennzeichen 67K12345")

    # approved on 2 March 2026 (the test clock); the period is the grant's, not the click's
    approved = staff.ok(staff.fire(eid, "approve"))
    assert approved["funding_ends_at"] == "2027-09-30T23:59:59+02:00"
    assert approved["grant"]["period_start"] == "2026-04-01"
    assert "approve" not in approved["allowed_triggers"]


def test_funding_start_is_the_start_of_the_grants_first_day(staff: Api, ctx: Context) -> None:
    eid = staff.engagement(**V2)["id"]
    staff.ok(put_grant(staff, eid))
    staff.ok(staff.fire(eid, "approve"))
    with ctx.db.read() as session:
        engagement = session.get(Engagement, eid)
        assert engagement is not None and engagement.funding_starts_at is not None
        assert engagement.funding_starts_at.astimezone(BERLIN) == datetime(
            2026, 4, 1, 0, 0, tzinfo=BERLIN
        )
        ends = engagement.funding_ends_at
        assert ends is not None
        # the warnings follow the grant's end: 8 weeks before it first
        assert engagement.next_funding_warning_at == ends - timedelta(weeks=8)
        assert engagement.funding_warnings_sent == 0


def test_a_funding_end_on_a_saturday_stays_saturday_end_of_day(staff: Api) -> None:
    """§ 31 (4) VwVfG: a period in which an authority provides benefits ends on its last
    day, weekend or not (a stage deadline would move to Monday, § 193 BGB)."""
    eid = staff.engagement(**V2)["id"]
    staff.ok(put_grant(staff, eid, period_end="2027-08-28"))  # a Saturday
    approved = staff.ok(staff.fire(eid, "approve"))
    assert approved["funding_ends_at"] == "2027-08-28T23:59:59+02:00"


def test_a_funding_end_on_a_holiday_is_not_moved_either(staff: Api) -> None:
    """Christmas 2027 falls on a Saturday and Boxing Day on a Sunday: a stage deadline
    would move to Monday the 27th; the funding end stays."""
    eid = staff.engagement(**V2)["id"]
    staff.ok(put_grant(staff, eid, period_end="2027-10-03"))  # Tag der Deutschen Einheit, Sunday
    staff.ok(
        put_grant(staff, eid, period_end="2027-12-25", reason="Verlängert")
    )  # 1. Weihnachtstag
    approved = staff.ok(staff.fire(eid, "approve"))
    assert approved["funding_ends_at"] == "2027-12-25T23:59:59+01:00"


MINIMUM_GRANT = [
    ("2020", 4_999, False),
    ("2020", 5_000, True),
    ("2022", 4_999, False),
    ("2022", 5_000, True),
    ("2024", 9_999, False),
    ("2024", 10_000, True),
]


@pytest.mark.parametrize(("krl", "amount", "accepted"), MINIMUM_GRANT)
def test_the_minimum_grant_depends_on_the_krl_version(
    staff: Api, ctx: Context, krl: str, amount: int, accepted: bool
) -> None:
    eid = staff.engagement(**V2)["id"]
    set_krl_version(ctx, eid, krl)
    answer = put_grant(staff, eid, eligible_costs=amount, grant_amount=amount)
    if accepted:
        assert staff.ok(answer)["grant"]["grant_amount"] == amount
        return
    assert answer.status_code == 422, answer.text
    body = answer.json()
    minimum = "10,000" if krl == "2024" else "5,000"
    assert "minimum grant" in body["detail"]
    assert f"{minimum} €" in body["detail"] and f"Kommunalrichtlinie {krl}" in body["detail"]
    assert "Mindestzuwendung" in body["detail_de"]
    assert staff.get(f"/api/v1/engagements/{eid}/grant").status_code == 404


def test_a_change_needs_a_reason_and_is_in_the_history(staff: Api) -> None:
    eid = staff.engagement(**V2)["id"]
    staff.ok(put_grant(staff, eid))
    # the same notice again changes nothing and needs no reason
    staff.ok(put_grant(staff, eid))
    assert len(history_notes(staff, eid)) == 1

    refused = put_grant(staff, eid, grant_amount=25_000)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("reason: required")
    assert "Begründung" in refused.json()["detail_de"]
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/grant"))["grant_amount"] == 27_000

    changed = staff.ok(
        put_grant(staff, eid, grant_amount=25_000, reason="Änderungsbescheid vom 25.03.2026")
    )
    assert changed["grant"]["grant_amount"] == 25_000
    notes = history_notes(staff, eid)
    assert len(notes) == 2
    assert notes[1] == (
        "Zuwendungsbescheid geändert: Zuwendung: 27.000,00 € → 25.000,00 € "
        "(Änderungsbescheid vom 25.03.2026)"
    )


def test_an_extension_moves_the_funding_end_and_its_warnings(staff: Api, ctx: Context) -> None:
    eid = staff.engagement(**V2)["id"]
    staff.ok(put_grant(staff, eid))
    before = staff.ok(staff.fire(eid, "approve"))
    assert before["funding_ends_at"] == "2027-09-30T23:59:59+02:00"

    reason = "Bewilligungszeitraum verlängert bis 30.11.2027"
    refused = put_grant(staff, eid, period_end="2027-11-30")
    assert refused.status_code == 422, refused.text
    after = staff.ok(put_grant(staff, eid, period_end="2027-11-30", reason=reason))
    assert after["funding_ends_at"] == "2027-11-30T23:59:59+01:00"
    assert after["version"] == before["version"] + 1
    assert history_notes(staff, eid)[-1] == (
        "Zuwendungsbescheid geändert: Ende des Bewilligungszeitraums: 30.09.2027 → 30.11.2027 "
        f"({reason})"
    )
    with ctx.db.read() as session:
        engagement = session.get(Engagement, eid)
        assert engagement is not None and engagement.next_funding_warning_at is not None
        # the first warning: 8 weeks before the new end, at the same local time
        assert engagement.next_funding_warning_at.astimezone(BERLIN) == datetime(
            2027, 10, 5, 23, 59, 59, tzinfo=BERLIN
        )
        assert engagement.funding_warnings_sent == 0


BAD_GRANTS = [
    ({"period_end": "2026-03-31"}, "period_end must not be before period_start"),
    ({"notice_date": "2026-04-02"}, "notice_date must not be after period_start"),
    ({"funding_rate_percent": 101}, "funding_rate_percent"),
    ({"funding_rate_percent": -1}, "funding_rate_percent"),
    ({"grant_amount": 30_001}, "grant_amount must not exceed eligible_costs"),
    ({"funding_reference": " "}, "funding_reference"),
]


@pytest.mark.parametrize(("change", "named"), BAD_GRANTS)
def test_an_inconsistent_grant_notice_is_refused(
    staff: Api, change: dict[str, Any], named: str
) -> None:
    eid = staff.engagement(**V2)["id"]
    answer = put_grant(staff, eid, **change)
    assert answer.status_code == 422, answer.text
    assert named in answer.text
    assert staff.get(f"/api/v1/engagements/{eid}/grant").status_code == 404


def test_a_final_engagements_grant_cannot_be_recorded(staff: Api) -> None:
    eid = staff.engagement(**V2)["id"]
    staff.ok(staff.fire(eid, "reject", note="nicht förderfähig"))
    answer = put_grant(staff, eid)
    assert answer.status_code == 409, answer.text
    assert "final" in answer.json()["detail"]


def test_an_unknown_engagement_has_no_grant(staff: Api) -> None:
    assert put_grant(staff, 999_999).status_code == 404
    assert staff.get("/api/v1/engagements/999999/grant").status_code == 404


def test_fokusberatung_v1_approves_without_a_grant_from_the_click(staff: Api) -> None:
    """Version 1 takes no grant: its funding period runs FOKUS_FUNDING_PERIOD_MONTHS (18)
    from `approve`; a notice for it is refused (migrate it to version 2 first)."""
    eid = staff.engagement()["id"]
    approved = staff.ok(staff.fire(eid, "approve"))
    # approved Monday 2 March 2026: 18 months later is Thursday 2 September 2027
    assert approved["funding_ends_at"] == "2027-09-02T23:59:59+02:00"
    assert approved["grant"] is None
    refused = put_grant(staff, eid)
    assert refused.status_code == 409, refused.text
    assert "fokusberatung v1 takes no grant notice" in refused.json()["detail"]
    assert staff.get(f"/api/v1/engagements/{eid}/grant").status_code == 404


def test_the_overview_shows_each_engagements_grant(staff: Api) -> None:
    with_grant = staff.engagement(**V2)["id"]
    without = staff.engagement(**V2)["id"]
    staff.ok(put_grant(staff, with_grant))
    page = staff.ok(staff.get("/api/v1/engagements"))
    grants = {item["id"]: item["grant"] for item in page["items"]}
    assert grants[with_grant]["funding_reference"] == "67K12345"
    assert grants[without] is None


def test_the_engagement_page_shows_the_grant_notice(client: TestClient, staff: Api) -> None:
    eid = staff.engagement(**V2)["id"]
    login(client, staff)
    page = client.get(f"/engagements/{eid}").text
    assert "Zuwendungsbescheid" in page and "Noch kein Zuwendungsbescheid erfasst." in page

    staff.ok(put_grant(staff, eid, eligible_costs=30_000.5, funding_rate_percent=89.5))
    page = client.get(f"/engagements/{eid}").text
    grant = page[page.index('id="h-grant"') : page.index('id="h-history"')]
    assert "67K12345" in grant
    assert "20.03.2026" in grant and "01.04.2026" in grant and "30.09.2027" in grant
    assert "30.000,50 €" in grant and "27.000,00 €" in grant and "89,5 %" in grant

    english = client.get(f"/engagements/{eid}?lang=en").text
    grant = english[english.index('id="h-grant"') : english.index('id="h-history"')]
    assert "Grant notice" in grant and "€30,000.50" in grant and "89.5 %" in grant
