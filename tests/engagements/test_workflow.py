"""The process as the contract states it, served as data and as a diagram with the
current stage marked."""

from __future__ import annotations

from tests.support import Api

CONTRACT_TABLE = {
    ("application", "approve", "onboarding", ()),
    ("application", "reject", "rejected", ()),
    ("onboarding", "start_workshops", "workshops", ("has_participant",)),
    ("workshops", "draft_vision", "guiding_vision", ("has_ended_workshop",)),
    ("guiding_vision", "reopen_workshops", "workshops", ()),
    ("guiding_vision", "adopt_vision", "implementation", ("has_five_measures",)),
    ("implementation", "complete", "completed", ("has_started_measure",)),
}
ACTIVE = ("application", "onboarding", "workshops", "guiding_vision", "implementation")


def test_the_workflow_is_the_contract_table(staff: Api) -> None:
    workflow = staff.ok(staff.get("/api/v1/workflow"))
    assert workflow["initial"] == "application"
    rows = set()
    withdraw_sources: set[str] = set()
    for t in workflow["transitions"]:
        if t["trigger"] == "withdraw":
            withdraw_sources.update(t["from"])
            assert t["to"] == "withdrawn"
            continue
        for source in t["from"]:
            rows.add((source, t["trigger"], t["to"], tuple(g["name"] for g in t["guards"])))
    assert rows == CONTRACT_TABLE
    assert withdraw_sources == set(ACTIVE)
    finals = {s["name"] for s in workflow["states"] if s["final"]}
    assert finals == {"rejected", "withdrawn", "completed"}
    for state in workflow["states"]:
        assert (state["deadline_working_days"] is None) == state["final"], state
        assert state["label_de"] and state["label_en"]


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
