"""Issue 11: a completed Fokusberatung is followed up by a Klimaschutzmanagement: a new
engagement linked by `predecessor_id`, with the applicant, the contact, the participants
and the measures (planned again) copied, its eligibility checked again; once only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from service.core.context import Context
from service.engagements.models import Engagement
from tests.support import Api

FOLLOW_UP = {"process": "klimaschutzmanagement"}


def _follow_up(staff: Api, eid: int, body: dict[str, Any] | None = None) -> Any:
    return staff.post(
        f"/api/v1/engagements/{eid}/follow-up", json=FOLLOW_UP if body is None else body
    )


def _completed_fokusberatung(staff: Api) -> dict[str, Any]:
    """A version-1 Fokusberatung walked to completed through the API, with two
    participants and five measures, one of them started and one completed."""
    eng = staff.engagement(
        applicant_type="education", operator_kind="public", owner="Lena Vogel", language="en"
    )
    eid = eng["id"]
    staff.ok(staff.fire(eid, "approve"))
    staff.participant(eid, name="Petra Klein", email="petra@example.org", role="Kämmerei")
    staff.participant(eid, name="Jonas Berg", email="jonas@example.org", organisation="Stadtwerke")
    staff.ok(staff.fire(eid, "start_workshops"))
    staff.workshop(eid, starts_at="2026-03-02T06:00:00", ends_at="2026-03-02T08:00:00")
    staff.ok(staff.fire(eid, "draft_vision"))
    measures = [
        staff.measure(
            eid,
            title=f"Maßnahme {i}",
            action_area=area,
            description=f"Beschreibung {i}",
            responsible="Bauamt",
            planned_start="2026-05-01",
            planned_end="2027-04-30",
        )
        for i, area in enumerate(["heat", "mobility", "street_lighting", "waste", "procurement"])
    ]
    staff.ok(staff.fire(eid, "adopt_vision"))
    staff.ok(staff.patch(f"/api/v1/measures/{measures[0]['id']}", json={"status": "in_progress"}))
    staff.ok(staff.patch(f"/api/v1/measures/{measures[1]['id']}", json={"status": "completed"}))
    done = staff.ok(staff.fire(eid, "complete"))
    assert done["state"] == "completed"
    return done  # type: ignore[no-any-return]


def test_the_follow_up_copies_and_links(staff: Api) -> None:
    before = _completed_fokusberatung(staff)
    eid = before["id"]
    new = staff.created(_follow_up(staff, eid))

    assert new["id"] != eid
    assert new["predecessor_id"] == eid
    assert (new["process"], new["process_version"], new["state"]) == (
        "klimaschutzmanagement",
        1,
        "application",
    )
    assert new["krl_version"] == "2024"  # applied for today (2026)
    assert new["variant"] is None and new["focus_field"] is None
    for key in (
        "municipality",
        "applicant_type",
        "federal_state",
        "municipal_share_percent",
        "contact_name",
        "contact_email",
        "owner",
        "language",
        "has_integrated_concept",
        "operator_kind",
        "public_corporation_status",
    ):
        assert new[key] == before[key], key
    assert staff.ok(staff.get(f"/api/v1/engagements/{new['id']}"))["predecessor_id"] == eid

    def people(engagement_id: int) -> list[tuple[Any, ...]]:
        rows = staff.ok(staff.get(f"/api/v1/engagements/{engagement_id}/participants"))
        return [(p["name"], p["email"], p["organisation"], p["role"], p["language"]) for p in rows]

    assert people(new["id"]) == people(eid)
    assert len(people(new["id"])) == 2

    old_measures = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))
    new_measures = staff.ok(staff.get(f"/api/v1/engagements/{new['id']}/measures"))
    copied = ("title", "action_area", "description", "responsible", "planned_start", "planned_end")
    assert [{k: m[k] for k in copied} for m in new_measures] == [
        {k: m[k] for k in copied} for m in old_measures
    ]
    assert {(m["status"], m["progress_percent"], m["started_at"]) for m in new_measures} == {
        ("planned", 0, None)
    }
    # the predecessor keeps its own
    assert [m["status"] for m in old_measures][:2] == ["in_progress", "completed"]

    new_history = staff.ok(staff.get(f"/api/v1/engagements/{new['id']}/history"))
    assert [(h["kind"], h["action"], h["actor"]) for h in new_history] == [
        ("change", "follow_up", "Lena Vogel")
    ]
    old_number = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["file_number"]
    assert new_history[0]["summary_de"].startswith(
        f"Angelegt als Folgevorhaben von Vorgang {old_number}, Fokusberatung"
    )
    old_history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert old_history[-1]["action"] == "follow_up"
    assert old_history[-1]["summary_de"].startswith(
        f"Folgevorhaben angelegt: Vorgang {new['file_number']}, Klimaschutzmanagement"
    )
    assert old_history[-1]["details"]["engagement_id"] == new["id"]


def test_a_second_follow_up_is_refused(staff: Api) -> None:
    eid = _completed_fokusberatung(staff)["id"]
    first = staff.created(_follow_up(staff, eid))
    again = _follow_up(staff, eid)
    assert again.status_code == 409, again.text
    assert "already followed up" in again.json()["detail"]
    assert again.json()["follow_up_id"] == first["id"]


@pytest.mark.parametrize("trigger", [None, "approve", "reject", "withdraw"])
def test_only_a_completed_fokusberatung_is_followed_up(staff: Api, trigger: str | None) -> None:
    eid = staff.engagement()["id"]
    if trigger is not None:
        staff.ok(staff.fire(eid, trigger))
    refused = _follow_up(staff, eid)
    assert refused.status_code == 409, refused.text
    assert "not completed" in refused.json()["detail"]
    assert "Abschluss" in refused.json()["detail"]


def _complete_in_the_database(ctx: Context, eid: int) -> None:
    """Sets the state to completed directly (this test is about the follow-up, not about
    walking version 2, which needs the grant notice and the evidence)."""
    with ctx.db.write() as session:
        session.execute(
            update(Engagement).where(Engagement.id == eid).values(state="completed")  # type: ignore[arg-type]
        )


def test_a_klimaschutzmanagement_is_not_followed_up(staff: Api, ctx: Context) -> None:
    eid = staff.engagement(process="klimaschutzmanagement", process_version=None)["id"]
    _complete_in_the_database(ctx, eid)
    refused = _follow_up(staff, eid)
    assert refused.status_code == 409, refused.text
    assert "only a completed fokusberatung" in refused.json()["detail"]


def test_eligibility_is_checked_again(staff: Api, ctx: Context) -> None:
    """A Fokusberatung of one field of action may have an integrated concept; the
    Klimaschutzmanagement (Erstvorhaben) that would follow it may not."""
    eid = staff.engagement(
        process_version=2, variant="fokus", focus_field="heat", has_integrated_concept=True
    )["id"]
    _complete_in_the_database(ctx, eid)
    refused = _follow_up(staff, eid)
    assert refused.status_code == 422, refused.text
    assert "has_integrated_concept" in refused.json()["detail"]
    assert "Erstvorhaben" in refused.json()["detail"]
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert [h for h in history if h["action"] == "follow_up"] == []


def test_a_version_2_fokusberatung_is_followed_up_with_its_variant_left_behind(
    staff: Api, ctx: Context
) -> None:
    eid = staff.engagement(process_version=2, variant="fokus", focus_field="mobility")["id"]
    _complete_in_the_database(ctx, eid)
    new = staff.created(_follow_up(staff, eid))
    assert (new["process"], new["variant"], new["focus_field"]) == (
        "klimaschutzmanagement",
        None,
        None,
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"process": "fokusberatung"}, {"process": "klimaschutzmanagement", "extra": 1}],
)
def test_the_body_names_the_klimaschutzmanagement(staff: Api, body: dict[str, Any]) -> None:
    eid = _completed_fokusberatung(staff)["id"]
    refused = _follow_up(staff, eid, body)
    assert refused.status_code == 422, refused.text


def test_an_unknown_engagement_is_not_found(staff: Api) -> None:
    assert _follow_up(staff, 999_999).status_code == 404
