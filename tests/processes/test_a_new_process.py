"""Issue 8's promise: a new process is one module. The test-only process in
`toy_process.py` (three stages, a guard over an existing fact, a milestone) is handed to
the app in its registry and walked through by API and in the dashboard; nothing under
`service/` names it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.core.context import Context
from service.core.settings import Settings
from tests.processes.toy_process import SPRINT
from tests.support import ENGAGEMENT, Api
from tests.web.conftest import form, login
from workflows.definition import Guard
from workflows.registry import Registry, default_registry

SERVICE = Path(__file__).resolve().parents[2] / "service"


@pytest.fixture
def registry() -> Registry:
    registry = default_registry()
    registry.register(SPRINT)
    return registry


def _sprint(staff: Api) -> dict[str, Any]:
    return staff.created(
        staff.post("/api/v1/engagements", json={**ENGAGEMENT, "process": "klimasprint"})
    )


def _two_people(staff: Api, eid: int) -> None:
    for n in (1, 2):
        person = {"name": f"Person {n}", "email": f"person{n}@example.org"}
        staff.ok(staff.post(f"/api/v1/engagements/{eid}/participants", json=person), 201)


def test_nothing_under_service_knows_the_toy_process() -> None:
    for path in SERVICE.rglob("*.py"):
        assert "klimasprint" not in path.read_text(encoding="utf-8"), path


def test_the_api_lists_it_and_walks_an_engagement_through_it(staff: Api, admin: Api) -> None:
    listed = {p["name"]: p for p in staff.ok(staff.get("/api/v1/processes"))}
    assert set(listed) == {"fokusberatung", "klimaschutzmanagement", "klimasprint"}
    sprint = staff.ok(staff.get("/api/v1/processes/klimasprint"))
    assert sprint["version"] == 1
    assert sprint["title_de"] == "Klimasprint"
    assert [s["name"] for s in sprint["stages"]] == ["kickoff", "sprint", "done"]
    (finish,) = [s for s in sprint["steps"] if s["trigger"] == "finish"]
    assert finish["guards"] == [
        {
            "name": "has_two_participants",
            "reason_de": "Erst müssen zwei teilnehmende Personen erfasst sein.",
            "reason_en": "two participants must be recorded first",
            "description": "two participants must be recorded first",
            "facts": ["participant_count"],
        }
    ]
    assert staff.ok(staff.get("/api/v1/processes/klimasprint/versions")) == [
        {"version": 1, "created": "2026-12-01"}
    ]

    engagement = _sprint(staff)
    eid = engagement["id"]
    assert (engagement["process"], engagement["process_version"]) == ("klimasprint", 1)
    assert engagement["state"] == "kickoff"
    assert engagement["allowed_triggers"] == ["begin"]
    assert engagement["stage_due_at"] is not None
    # the milestone waits for the date it is anchored to
    (review,) = staff.ok(staff.get(f"/api/v1/engagements/{eid}/milestones"))
    assert review["name"] == "review" and review["due_at"] is None

    # a trigger of another process is unknown here
    # a step of another process is refused in this one's terms; a name no process knows is 422
    wrong = staff.fire(eid, "approve")
    assert wrong.status_code == 409 and "klimasprint" in wrong.json()["detail"]
    assert wrong.json()["allowed_triggers"] == ["begin"]
    assert staff.fire(eid, "levitate").status_code == 422

    staff.ok(staff.fire(eid, "begin"))  # starts funding on Monday 2 March 2026
    (review,) = staff.ok(staff.get(f"/api/v1/engagements/{eid}/milestones"))
    assert review["due_at"].startswith("2026-04-02T23:59:59")  # a month later, a Thursday

    refused = staff.fire(eid, "finish")
    assert refused.status_code == 409
    body = refused.json()
    assert body["allowed_triggers"] == []
    assert body["failed_guards"][0]["reason_de"].startswith("Erst müssen zwei")
    _two_people(staff, eid)
    done = staff.ok(staff.fire(eid, "finish"))
    assert done["state"] == "done" and done["allowed_triggers"] == []
    # its notices: the contact person hears of "finish"; the participants hear nothing
    messages = staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))
    assert [(m["kind"], m["to"]) for m in messages] == [
        ("stage_notice", "Anna Schmidt <anna.schmidt@example.org>")
    ]
    diagram = staff.get(f"/api/v1/engagements/{eid}/diagram").text
    assert "sprint --> done: finish [has_two_participants]" in diagram
    assert "class done current" in diagram
    assert staff.ok(staff.get("/api/v1/engagements?process=klimasprint"))["total"] == 1
    assert staff.ok(staff.get("/api/v1/engagements?process=fokusberatung"))["total"] == 0


def test_the_dashboard_walks_it_too(client: TestClient, staff: Api) -> None:
    eid = _sprint(staff)["id"]
    _two_people(staff, eid)
    csrf = login(client, staff)
    page = client.get(f"/engagements/{eid}").text
    assert "Klimasprint" in page and "Auftakt" in page and "Sprint beginnen" in page
    assert "Zwischenbilanz" in page  # the milestone's place on the time line
    url = f"/engagements/{eid}/transition"
    version = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["version"]
    assert form(client, url, csrf, trigger="begin", expected_version=version).status_code == 303
    page = client.get(f"/engagements/{eid}").text
    assert 'id="current-stage">Sprint<' in page
    assert "Sprint abschließen" in page
    finish = form(client, url, csrf, trigger="finish", expected_version=version + 1)
    assert finish.status_code == 303
    page = client.get(f"/engagements/{eid}").text
    assert 'id="current-stage">Fertig<' in page
    overview = client.get("/?process=klimasprint").text
    assert "Beispielstadt" in overview and "Fertig" in overview
    assert "Beispielstadt" not in client.get("/?process=fokusberatung").text


def test_a_guard_that_reads_an_unknown_fact_is_refused_at_start(settings: Settings) -> None:
    broken = replace(
        SPRINT,
        version=2,
        steps=(
            replace(
                SPRINT.steps[1],
                guards=(Guard("odd", "de", "en", ("moon_phase",), lambda f: True),),
            ),
        ),
    )
    registry = default_registry()
    registry.register(broken)
    ctx = Context.from_settings(settings, registry=registry)
    try:
        with pytest.raises(ValueError, match="moon_phase"):
            create_app(ctx)
    finally:
        ctx.db.dispose()
