"""Issue 9's must show: one Fokusberatung (version 2) and one Klimaschutzmanagement
engagement walked from application to completed through the API, every guard refused
first with its German and English reason, the second started as the follow-up of the
first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service.core.clock import MovableClock
from tests.support import Api

APPLICATION = {
    "municipality": "Markt Grünau",
    "applicant_type": "municipality",
    "federal_state": "BY",
    "contact_name": "Anna Schmidt",
    "contact_email": "anna.schmidt@example.org",
}
GRANT = {
    "funding_reference": "67K12345",
    "notice_date": "2026-03-02",
    "period_start": "2026-03-02",
    "period_end": "2027-08-31",
    "eligible_costs": 30000,
    "grant_amount": 19500,
    "funding_rate_percent": 65,
}


class Walk:
    """One engagement, driven as a programme officer would, checking each refusal."""

    def __init__(self, api: Api, engagement: dict[str, Any]) -> None:
        self.api = api
        self.id = engagement["id"]
        process = api.ok(
            api.get(
                f"/api/v1/processes/{engagement['process']}"
                f"/versions/{engagement['process_version']}"
            )
        )
        self.reasons = {
            g["name"]: (g["reason_de"], g["reason_en"])
            for s in process["steps"]
            for g in s["guards"]
        }

    def refused(self, trigger: str, *guards: str, note: str | None = None) -> None:
        body: dict[str, Any] = {"trigger": trigger}
        if note is not None:
            body["note"] = note
        response = self.api.post(f"/api/v1/engagements/{self.id}/transitions", json=body)
        assert response.status_code == 409, response.text
        failed = response.json()["failed_guards"]
        assert [g["name"] for g in failed] == list(guards)
        for guard in failed:
            assert (guard["reason_de"], guard["reason_en"]) == self.reasons[guard["name"]]
            assert guard["reason_de"] != guard["reason_en"]

    def fire(self, trigger: str, to: str, note: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"trigger": trigger}
        if note is not None:
            body["note"] = note
        engagement = self.api.ok(
            self.api.post(f"/api/v1/engagements/{self.id}/transitions", json=body)
        )
        assert engagement["state"] == to
        return dict(engagement)

    def record(self, kind: str, date: str) -> None:
        self.api.ok(
            self.api.post(
                f"/api/v1/engagements/{self.id}/records", json={"kind": kind, "date": date}
            ),
            201,
        )

    def post(self, what: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(
            self.api.ok(self.api.post(f"/api/v1/engagements/{self.id}/{what}", json=body), 201)
        )


def test_a_fokusberatung_and_its_follow_up_from_application_to_completed(
    staff: Api, clock: MovableClock
) -> None:
    created = staff.ok(staff.post("/api/v1/engagements", json=APPLICATION), 201)
    assert (created["process"], created["process_version"]) == ("fokusberatung", 2)
    assert created["krl_version"] == "2024" and created["variant"] == "einstieg"
    walk = Walk(staff, created)

    walk.refused("approve", "grant_recorded")
    granted = staff.ok(staff.put(f"/api/v1/engagements/{walk.id}/grant", json=GRANT))
    assert granted["grant"]["funding_reference"] == "67K12345"
    approved = walk.fire("approve", "contracting")
    assert approved["funding_ends_at"] == "2027-08-31T23:59:59+02:00"

    walk.refused("start_onboarding", "consultant_contract_recorded")
    early = staff.post(
        f"/api/v1/engagements/{walk.id}/records",
        json={"kind": "consultant_contract", "date": "2026-03-01"},
    )
    assert early.status_code == 422, early.text  # signed before the notice: ineligible
    walk.record("consultant_contract", "2026-03-03")
    walk.fire("start_onboarding", "onboarding")

    walk.refused("start_workshops", "stocktaking_recorded", "has_participant")
    walk.record("stocktaking", "2026-03-04")
    walk.post("participants", {"name": "Petra Klein", "email": "petra.klein@example.org"})
    walk.fire("start_workshops", "workshops")

    walk.refused("draft_vision", "workshop_in_period")
    walk.post(
        "workshops",
        {
            "title": "Auftaktworkshop",
            "starts_at": "2026-03-05T17:00:00",
            "ends_at": "2026-03-05T20:00:00",
            "location": "Rathaus",
        },
    )
    clock.advance(timedelta(days=7))
    walk.fire("draft_vision", "guiding_vision")

    walk.refused("adopt_vision", "five_measures")
    measures = [
        walk.post("measures", {"title": title, "action_area": area})
        for title, area in [
            ("LED-Straßenbeleuchtung", "street_lighting"),
            ("Energiemanagement", "municipal_buildings"),
            ("Radverkehrskonzept", "mobility"),
            ("PV auf Schulen", "energy_supply"),
            ("Hitzeaktionsplan", "adaptation"),
        ]
    ]
    walk.fire("adopt_vision", "resolution")

    walk.refused("record_resolution", "resolution_recorded")
    walk.refused("skip_resolution", "note_given")
    walk.fire("skip_resolution", "implementation", note="Der Gemeinderat tagt erst im Herbst.")

    # an adaptation measure does not count as started climate protection
    staff.ok(staff.patch(f"/api/v1/measures/{measures[4]['id']}", json={"status": "in_progress"}))
    walk.refused("finish_consulting", "measure_started_in_period")
    staff.ok(staff.patch(f"/api/v1/measures/{measures[0]['id']}", json={"status": "in_progress"}))
    for day, mode in [("2026-03-04", "on_site"), ("2026-03-05", "desk")]:
        walk.post(
            "consulting-days",
            {"date": day, "days": 4, "mode": mode, "consultant": "Jan Berater", "activity": "x"},
        )
    walk.post(
        "consulting-days",
        {
            "date": "2026-03-06",
            "days": 1,
            "mode": "desk",
            "consultant": "Jan Berater",
            "activity": "Bericht",
        },
    )
    walk.refused("finish_consulting", "half_in_direct_contact")  # 4 of 9 days direct
    walk.post(
        "consulting-days",
        {
            "date": "2026-03-09",
            "days": 1,
            "mode": "digital",
            "consultant": "Jan Berater",
            "activity": "Videokonferenz",
        },
    )  # digital counts as direct under the KRL 2024: 5 of 10
    walk.fire("finish_consulting", "reporting")

    walk.refused("submit_proof", "proof_of_use_recorded")
    walk.record("proof_of_use", "2026-03-10")
    walk.fire("submit_proof", "completed")

    # the follow-up: a Klimaschutzmanagement with the municipality's data copied
    follow = staff.ok(
        staff.post(
            f"/api/v1/engagements/{walk.id}/follow-up", json={"process": "klimaschutzmanagement"}
        ),
        201,
    )
    assert follow["predecessor_id"] == walk.id
    assert (follow["process"], follow["state"]) == ("klimaschutzmanagement", "application")
    assert follow["municipality"] == "Markt Grünau"
    ksm = Walk(staff, follow)
    copied = staff.ok(staff.get(f"/api/v1/engagements/{ksm.id}/measures"))
    assert [m["title"] for m in copied] == [m["title"] for m in measures]
    assert {m["status"] for m in copied} == {"planned"}
    people = staff.ok(staff.get(f"/api/v1/engagements/{ksm.id}/participants"))
    assert [p["email"] for p in people] == ["petra.klein@example.org"]

    ksm.refused("approve", "grant_recorded")
    staff.ok(
        staff.put(
            f"/api/v1/engagements/{ksm.id}/grant",
            json={
                **GRANT,
                "funding_reference": "67K23456",
                "notice_date": "2026-03-09",
                "period_start": "2026-04-01",
                "period_end": "2028-03-31",
                "eligible_costs": 160000,
                "grant_amount": 112000,
                "funding_rate_percent": 70,
            },
        )
    )
    ksm.fire("approve", "recruiting")
    milestones = {
        m["name"]: m for m in staff.ok(staff.get(f"/api/v1/engagements/{ksm.id}/milestones"))
    }
    assert milestones["concept_draft"]["due_at"].startswith("2027-04-01")
    # end − 5 months is Sunday 31.10.2027, 1.11. All Saints' Day in Bavaria: the next working day
    assert milestones["follow_on_application"]["due_at"].startswith("2027-11-02")
    assert milestones["funding_end"]["due_at"].startswith("2028-03-31")

    clock.advance(timedelta(days=40))  # into the KSM's funding period (from 1 April)
    for trigger, guard, kind, to in [
        ("hire_manager", "manager_hired_recorded", "manager_hired", "concept_draft"),
        ("submit_draft", "concept_draft_recorded", "concept_draft", "concept_final"),
        ("submit_concept", "concept_final_recorded", "concept_final", "council_adoption"),
        ("adopt_concept", "resolution_recorded", "resolution", "implementation"),
    ]:
        ksm.refused(trigger, guard)
        ksm.record(kind, "2026-04-02")
        ksm.fire(trigger, to)
    ksm.refused("finish", "measure_started_in_period")
    staff.ok(staff.patch(f"/api/v1/measures/{copied[0]['id']}", json={"status": "in_progress"}))
    ksm.fire("finish", "reporting")
    ksm.refused("submit_proof", "proof_of_use_recorded")
    ksm.record("proof_of_use", "2026-04-20")
    ksm.fire("submit_proof", "completed")
