"""Must show 2: one engagement through every stage; each guard refuses first with a 409
that says why, then passes; final states refuse everything."""

from __future__ import annotations

from service.core.clock import MovableClock
from tests.support import Api


def test_walk_through_every_stage_with_every_guard_refused_first(
    staff: Api, clock: MovableClock
) -> None:
    eng = staff.engagement()
    eid = eng["id"]
    assert eng["state"] == "application"
    assert eng["version"] == 1
    assert eng["allowed_triggers"] == ["approve", "reject", "withdraw"]
    assert eng["funding_ends_at"] is None

    approved = staff.ok(staff.fire(eid, "approve", expected_version=1, note="Bescheid da"))
    assert approved["state"] == "onboarding"
    assert approved["version"] == 2
    assert approved["funding_ends_at"].startswith("2027-09-02")  # 18 months, § 193 BGB

    refused = staff.fire(eid, "start_workshops")
    assert refused.status_code == 409
    assert "participant" in refused.json()["detail"]
    assert refused.json()["allowed_triggers"] == ["withdraw"]
    staff.participant(eid)
    assert staff.ok(staff.fire(eid, "start_workshops"))["state"] == "workshops"

    refused = staff.fire(eid, "draft_vision")
    assert refused.status_code == 409
    assert "workshop" in refused.json()["detail"]
    staff.workshop(eid, starts_at="2026-03-02T06:00:00", ends_at="2026-03-02T08:00:00")
    assert staff.ok(staff.fire(eid, "draft_vision"))["state"] == "guiding_vision"

    assert staff.ok(staff.fire(eid, "reopen_workshops"))["state"] == "workshops"
    assert staff.ok(staff.fire(eid, "draft_vision"))["state"] == "guiding_vision"

    for i in range(4):
        staff.measure(eid, title=f"Maßnahme {i}")
    refused = staff.fire(eid, "adopt_vision")
    assert refused.status_code == 409
    assert "5 measures" in refused.json()["detail"]
    measure = staff.measure(eid, title="Maßnahme 5")
    assert staff.ok(staff.fire(eid, "adopt_vision"))["state"] == "implementation"

    refused = staff.fire(eid, "complete")
    assert refused.status_code == 409
    assert "in progress or completed" in refused.json()["detail"]
    staff.ok(staff.patch(f"/api/v1/measures/{measure['id']}", json={"status": "in_progress"}))
    done = staff.ok(staff.fire(eid, "complete", note="Abschlussbericht liegt vor"))
    assert done["state"] == "completed"
    assert done["allowed_triggers"] == []
    assert done["stage_due_at"] is None

    for trigger in ("approve", "reject", "withdraw", "complete", "reopen_workshops"):
        refused = staff.fire(eid, trigger)
        assert refused.status_code == 409, trigger
        assert "final" in refused.json()["detail"]
        assert refused.json()["allowed_triggers"] == []

    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history?kind=transition"))
    assert [(h["from_state"], h["trigger"], h["to_state"]) for h in history] == [
        ("application", "approve", "onboarding"),
        ("onboarding", "start_workshops", "workshops"),
        ("workshops", "draft_vision", "guiding_vision"),
        ("guiding_vision", "reopen_workshops", "workshops"),
        ("workshops", "draft_vision", "guiding_vision"),
        ("guiding_vision", "adopt_vision", "implementation"),
        ("implementation", "complete", "completed"),
    ]
    assert history[0]["actor"] == "Lena Vogel"
    assert history[0]["note"] == "Bescheid da"


def test_reject_and_withdraw_are_final(staff: Api) -> None:
    rejected = staff.engagement()
    assert staff.ok(staff.fire(rejected["id"], "reject"))["state"] == "rejected"
    withdrawn = staff.engagement()
    staff.ok(staff.fire(withdrawn["id"], "approve"))
    assert staff.ok(staff.fire(withdrawn["id"], "withdraw"))["state"] == "withdrawn"
    for eid in (rejected["id"], withdrawn["id"]):
        assert staff.fire(eid, "approve").status_code == 409
        assert staff.fire(eid, "withdraw").status_code == 409
