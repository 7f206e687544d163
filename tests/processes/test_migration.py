"""Moving running engagements to a new version of their process: a dry run changes
nothing; the real run changes each mappable engagement (its version, its renamed stage,
a history entry) and refuses the others with a reason, leaving them untouched."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

from service.core.context import Context
from tests.support import ENGAGEMENT, Api
from workflows.definition import Process, Stage, Step
from workflows.processes.fokusberatung import VERSION_1


def _renamed(process: Process, old: str, new: str) -> Process:
    def name(stage: str) -> str:
        return new if stage == old else stage

    return replace(
        process,
        stages=tuple(replace(s, name=name(s.name)) if s.name == old else s for s in process.stages),
        steps=tuple(
            replace(step, source=tuple(name(s) for s in step.source), dest=name(step.dest))
            for step in process.steps
        ),
    )


def _without(process: Process, gone: str, instead: str) -> Process:
    """`gone` merged into `instead`: steps into it lead to `instead`, steps out of it go."""
    steps: list[Step] = []
    for step in process.steps:
        source = tuple(s for s in step.source if s != gone)
        if source:
            steps.append(
                replace(step, source=source, dest=instead if step.dest == gone else step.dest)
            )
    stages: tuple[Stage, ...] = tuple(s for s in process.stages if s.name != gone)
    return replace(process, stages=stages, steps=tuple(steps))


# a test-only version 3 (after the real version 2): "guiding_vision" of version 1 is
# now "leitbild"; "onboarding" is merged into "workshops"
VERSION_3 = replace(
    _without(_renamed(VERSION_1, "guiding_vision", "leitbild"), "onboarding", "workshops"),
    version=3,
)


def _engagement(staff: Api, *triggers: str) -> int:
    eid = int(staff.ok(staff.post("/api/v1/engagements", json=ENGAGEMENT), 201)["id"])
    for trigger in triggers:
        staff.ok(staff.fire(eid, trigger))
    return eid


def _guiding_vision(staff: Api, ctx: Context) -> int:
    eid = _engagement(staff, "approve")
    person = {"name": "Pia Berg", "email": "pia.berg@example.org"}
    staff.ok(staff.post(f"/api/v1/engagements/{eid}/participants", json=person), 201)
    staff.ok(staff.fire(eid, "start_workshops"))
    workshop = {
        "title": "Auftakt",
        "starts_at": "2026-02-02T10:00:00+01:00",
        "ends_at": "2026-02-02T12:00:00+01:00",
        "location": "Rathaus",
    }
    staff.ok(staff.post(f"/api/v1/engagements/{eid}/workshops", json=workshop), 201)
    staff.ok(staff.fire(eid, "draft_vision"))
    return eid


def test_dry_run_then_migration_with_history_and_refusals(
    staff: Api, admin: Api, ctx: Context
) -> None:
    applied = _engagement(staff)
    onboarding = _engagement(staff, "approve")
    vision = _guiding_vision(staff, ctx)
    withdrawn = _engagement(staff, "withdraw")
    ids = [applied, onboarding, vision, withdrawn]
    before = {eid: staff.ok(staff.get(f"/api/v1/engagements/{eid}")) for eid in ids}
    history_before = {
        eid: len(staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))) for eid in ids
    }
    assert {b["process_version"] for b in before.values()} == {1}

    ctx.registry.register(VERSION_3)
    # new engagements get the latest version; an older one can still be asked for
    latest = {k: v for k, v in ENGAGEMENT.items() if k != "process_version"}
    assert staff.ok(staff.post("/api/v1/engagements", json=latest), 201)["process_version"] == 3
    old = staff.post("/api/v1/engagements", json={**ENGAGEMENT, "process_version": 1})
    assert staff.ok(old, 201)["process_version"] == 1
    unknown = staff.post("/api/v1/engagements", json={**ENGAGEMENT, "process_version": 9})
    assert unknown.status_code == 422 and "no version 9" in unknown.json()["detail"]
    assert [
        v["version"] for v in staff.ok(staff.get("/api/v1/processes/fokusberatung/versions"))
    ] == [1, 2, 3]

    url = "/api/v1/processes/fokusberatung/migrations"
    request = {
        "from_version": 1,
        "to_version": 3,
        "state_map": {"guiding_vision": "leitbild"},
        "engagement_ids": ids,
    }
    assert staff.post(url, json=request).status_code == 403  # admins only
    dry = admin.ok(admin.post(url, json=request))
    assert dry["dry_run"] is True
    assert dry["migrated"] == [applied, vision, withdrawn]
    assert [r["id"] for r in dry["refused"]] == [onboarding]
    assert "onboarding" in dry["refused"][0]["reason"]
    for eid in ids:  # a dry run changes nothing
        assert staff.ok(staff.get(f"/api/v1/engagements/{eid}")) == before[eid]

    real = admin.ok(admin.post(url, json={**request, "dry_run": False}))
    assert (real["dry_run"], real["migrated"], real["refused"]) == (
        False,
        dry["migrated"],
        dry["refused"],
    )
    after = {eid: staff.ok(staff.get(f"/api/v1/engagements/{eid}")) for eid in ids}
    for eid in (applied, vision, withdrawn):
        assert after[eid]["process_version"] == 3
        assert after[eid]["version"] == before[eid]["version"] + 1
        history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
        assert len(history) == history_before[eid] + 1
        last = history[-1]
        assert (last["kind"], last["action"], last["trigger"], last["actor"]) == (
            "transition",
            "migrated",
            "migrate",
            "Adam Admin",
        )
        assert last["details"]["from"] == {"process": "fokusberatung", "version": 1}
        assert last["details"]["to"] == {"process": "fokusberatung", "version": 3}
        assert last["summary_de"].startswith("Auf neue Fassung des Verfahrens umgestellt: ")
        assert "(Fassung 1) → " in last["summary_de"] and "(Fassung 3)" in last["summary_de"]
    assert after[vision]["state"] == "leitbild"
    assert after[vision]["allowed_triggers"] == ["reopen_workshops", "withdraw"]
    assert after[applied]["state"] == "application"
    assert after[withdrawn]["state"] == "withdrawn"
    assert after[onboarding] == before[onboarding]  # refused: untouched

    again = admin.ok(admin.post(url, json={**request, "dry_run": False}))
    assert again["migrated"] == []
    assert {r["id"] for r in again["refused"]} == set(ids)  # now on v3, or unmappable

    # mapping the merged stage moves the last one; without ids, every v1 engagement goes
    rest = admin.ok(
        admin.post(
            url,
            json={
                "from_version": 1,
                "to_version": 3,
                "state_map": {"onboarding": "workshops"},
                "dry_run": False,
            },
        )
    )
    assert onboarding in rest["migrated"] and rest["refused"] == []
    moved = staff.ok(staff.get(f"/api/v1/engagements/{onboarding}"))
    assert (moved["state"], moved["process_version"]) == ("workshops", 3)


def test_a_wrong_request_names_the_problem(admin: Api, staff: Api, ctx: Context) -> None:
    onboarding = _engagement(staff, "approve")
    ctx.registry.register(VERSION_3)
    url = "/api/v1/processes/fokusberatung/migrations"
    for body, status, word in [
        ({"from_version": 1, "to_version": 4}, 404, "to_version"),
        ({"from_version": 0, "to_version": 3}, 422, "from_version"),
        ({"from_version": 1, "to_version": 3, "dry_run": "no"}, 422, "dry_run"),
    ]:
        response = admin.post(url, json=body)
        assert response.status_code == status, (body, response.text)
        assert word in response.json()["detail"]
    typo = admin.ok(
        admin.post(url, json={"from_version": 1, "to_version": 3, "state_map": {"nowhere": "x"}})
    )
    assert typo["warnings"] == ["state_map: 'nowhere' is not a stage of fokusberatung v1; ignored"]
    wrong_target = admin.ok(
        admin.post(
            url, json={"from_version": 1, "to_version": 3, "state_map": {"onboarding": "nowhere"}}
        )
    )
    assert [r["id"] for r in wrong_target["refused"]] == [onboarding]
    assert "mapped to 'nowhere'" in wrong_target["refused"][0]["reason"]
    assert (
        admin.post(
            "/api/v1/processes/nothing/migrations", json={"from_version": 1, "to_version": 1}
        ).status_code
        == 404
    )
    assert admin.get("/api/v1/processes/nothing").status_code == 404
    assert admin.get("/api/v1/processes/fokusberatung/versions/7").status_code == 404


def test_the_cli_lists_processes_and_migrates_with_a_dry_run_first(
    staff: Api, ctx: Context, tmp_path: Path
) -> None:
    eid = _engagement(staff, "approve")
    env = {
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SECRET_KEY": "test-secret",
        "PATH": "/usr/bin:/bin",
    }
    fokus = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "fokus")

    def run(*args: str) -> str:
        done = subprocess.run(
            [fokus, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = run("process", "list")
    assert "fokusberatung v1: Fokusberatung Klimaschutz; 1 engagements" in listed
    assert "fokusberatung v2 (latest): Fokusberatung Klimaschutz; 0 engagements" in listed
    assert "klimaschutzmanagement v1 (latest)" in listed
    dry = run("process", "migrate", "fokusberatung", "--from", "1", "--to", "1")
    assert "would migrate 1 engagements" in dry and "dry run" in dry
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))[-1]["trigger"] == "approve"
    applied = run("process", "migrate", "fokusberatung", "--from", "1", "--to", "1", "--apply")
    assert "migrated 1 engagements" in applied
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))[-1]["trigger"] == "migrate"
