"""The processes as the contract states them, served as data and as a diagram with the
current stage marked: fokusberatung version 1 (the first release's table), version 2 (the
programme's rules, now the default) and klimaschutzmanagement version 1."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api

V1_TABLE = {
    ("application", "approve", "onboarding", ()),
    ("application", "reject", "rejected", ()),
    ("onboarding", "start_workshops", "workshops", ("has_participant",)),
    ("workshops", "draft_vision", "guiding_vision", ("has_ended_workshop",)),
    ("guiding_vision", "reopen_workshops", "workshops", ()),
    ("guiding_vision", "adopt_vision", "implementation", ("has_five_measures",)),
    ("implementation", "complete", "completed", ("has_started_measure",)),
}
V1_ACTIVE = ("application", "onboarding", "workshops", "guiding_vision", "implementation")
V2_TABLE = {
    ("application", "approve", "contracting", ("grant_recorded",)),
    ("application", "reject", "rejected", ()),
    ("contracting", "start_onboarding", "onboarding", ("consultant_contract_recorded",)),
    ("onboarding", "start_workshops", "workshops", ("stocktaking_recorded", "has_participant")),
    ("workshops", "draft_vision", "guiding_vision", ("workshop_in_period",)),
    ("guiding_vision", "reopen_workshops", "workshops", ()),
    ("guiding_vision", "adopt_vision", "resolution", ("five_measures",)),
    ("resolution", "record_resolution", "implementation", ("resolution_recorded",)),
    ("resolution", "skip_resolution", "implementation", ("note_given",)),
    (
        "implementation",
        "finish_consulting",
        "reporting",
        ("measure_started_in_period", "consulting_days_within_budget", "half_in_direct_contact"),
    ),
    ("reporting", "submit_proof", "completed", ("proof_of_use_recorded",)),
}
V2_ACTIVE = (
    *V1_ACTIVE[:1],
    "contracting",
    *V1_ACTIVE[1:4],
    "resolution",
    "implementation",
    "reporting",
)
KSM_TABLE = {
    ("application", "approve", "recruiting", ("grant_recorded",)),
    ("application", "reject", "rejected", ()),
    ("recruiting", "hire_manager", "concept_draft", ("manager_hired_recorded",)),
    ("concept_draft", "submit_draft", "concept_final", ("concept_draft_recorded",)),
    ("concept_final", "submit_concept", "council_adoption", ("concept_final_recorded",)),
    ("council_adoption", "adopt_concept", "implementation", ("resolution_recorded",)),
    ("implementation", "finish", "reporting", ("measure_started_in_period",)),
    ("reporting", "submit_proof", "completed", ("proof_of_use_recorded",)),
}
KSM_ACTIVE = (
    "application",
    "recruiting",
    "concept_draft",
    "concept_final",
    "council_adoption",
    "implementation",
    "reporting",
)


def _check(process: dict[str, Any], table: set[Any], active: tuple[str, ...]) -> None:
    assert process["initial"] == "application"
    rows = set()
    withdraw_sources: set[str] = set()
    for t in process["steps"]:
        if t["trigger"] == "withdraw":
            withdraw_sources.update(t["from"])
            assert t["to"] == "withdrawn"
            continue
        for source in t["from"]:
            rows.add((source, t["trigger"], t["to"], tuple(g["name"] for g in t["guards"])))
        for guard in t["guards"]:
            assert guard["reason_de"] and guard["reason_en"], guard
    assert rows == table
    assert withdraw_sources == set(active)
    finals = {s["name"] for s in process["stages"] if s["final"]}
    assert finals == {"rejected", "withdrawn", "completed"}
    for state in process["stages"]:
        assert (state["deadline_working_days"] is None) == state["final"], state
        assert state["label_de"] and state["label_en"]


@pytest.mark.parametrize(
    ("url", "table", "active"),
    [
        ("/api/v1/processes/fokusberatung/versions/1", V1_TABLE, V1_ACTIVE),
        ("/api/v1/processes/fokusberatung/versions/2", V2_TABLE, V2_ACTIVE),
        ("/api/v1/processes/klimaschutzmanagement", KSM_TABLE, KSM_ACTIVE),
    ],
    ids=["fokusberatung-v1", "fokusberatung-v2", "klimaschutzmanagement-v1"],
)
def test_each_process_is_the_contract_table(
    staff: Api, url: str, table: set[Any], active: tuple[str, ...]
) -> None:
    _check(staff.ok(staff.get(url)), table, active)


def test_the_workflow_is_the_default_process_at_its_latest_version(staff: Api) -> None:
    workflow = staff.ok(staff.get("/api/v1/workflow"))
    assert (workflow["name"], workflow["version"]) == ("fokusberatung", 2)
    _check(workflow, V2_TABLE, V2_ACTIVE)
    assert workflow["transitions"] == workflow["steps"]  # the first release's names
    assert workflow["mermaid"].startswith("stateDiagram-v2")


def test_the_diagram_marks_the_current_stage(staff: Api) -> None:
    eid = staff.engagement()["id"]
    response = staff.get(f"/api/v1/engagements/{eid}/diagram")
    assert response.headers["content-type"].startswith("text/vnd.mermaid")
    assert response.text.startswith("stateDiagram-v2")
    assert "class application current" in response.text
    staff.ok(staff.fire(eid, "approve"))
    diagram = staff.get(f"/api/v1/engagements/{eid}/diagram").text
    assert "class onboarding current" in diagram
    assert "class application current" not in diagram
    assert "onboarding --> workshops: start_workshops [has_participant]" in diagram
