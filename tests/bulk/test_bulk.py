"""Bulk changes (CONTRACT "The portfolio (issue 11)"): `POST /api/v1/bulk/deadlines` and
`/bulk/owner` answer 200 `{changed, refused: [{id, reason}]}`, each engagement changed in its
own transaction with its own history entry; `/bulk/migrate` (admin) runs issue 8's
migration for the selected engagements, as a dry run first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.support import Api
from workflows import calendar

EXTENSION_REASON = "Programmweite Fristverlängerung des Fördermittelgebers"


def engagements(api: Api, count: int, **overrides: Any) -> list[int]:
    return [int(api.engagement(**overrides)["id"]) for _ in range(count)]


def history(api: Api, eid: int) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = api.ok(api.get(f"/api/v1/engagements/{eid}/history"))
    return result


def one(api: Api, eid: int) -> dict[str, Any]:
    result: dict[str, Any] = api.ok(api.get(f"/api/v1/engagements/{eid}"))
    return result


def test_an_extension_of_50_deadlines_3_of_them_final(staff: Api) -> None:
    ids = engagements(staff, 50)
    final = [ids[3], ids[20], ids[41]]
    for eid in final:
        assert staff.fire(eid, "reject").status_code == 200
    before = {eid: one(staff, eid) for eid in ids}

    answer = staff.ok(
        staff.post(
            "/api/v1/bulk/deadlines",
            json={"engagement_ids": ids, "extend_working_days": 10, "reason": EXTENSION_REASON},
        )
    )

    running = [eid for eid in ids if eid not in final]
    assert answer["changed"] == running and len(running) == 47
    assert [r["id"] for r in answer["refused"]] == final
    for refusal in answer["refused"]:
        assert "rejected" in refusal["reason"] and "final" in refusal["reason"], refusal
        assert refusal["code"] == "deadline_final"
        assert refusal["reason_de"].startswith("Die Beratung ist in der Endphase „Abgelehnt“")
    for eid in running:
        old = datetime.fromisoformat(before[eid]["stage_due_at"])
        new = datetime.fromisoformat(one(staff, eid)["stage_due_at"])
        expected = calendar.add_working_days(old.date(), 10, "BY")
        assert (new.date(), new.time().isoformat()) == (expected, "23:59:59")
        entries = [h for h in history(staff, eid) if h["action"] == "deadline"]
        assert len(entries) == 1 and entries[0]["note"].startswith(EXTENSION_REASON)
        assert entries[0]["kind"] == "change"
        assert entries[0]["actor"] == "Lena Vogel"
    for eid in final:
        assert not [h for h in history(staff, eid) if h["action"] == "deadline"]
        assert one(staff, eid)["stage_due_at"] is None


def test_a_new_deadline_unknown_ids_and_a_stale_version(staff: Api) -> None:
    first, second, third = engagements(staff, 3)
    version_seen = one(staff, second)["version"]
    staff.ok(staff.patch(f"/api/v1/engagements/{second}", json={"owner": "Tom Berger"}))
    answer = staff.ok(
        staff.post(
            "/api/v1/bulk/deadlines",
            json={
                "engagement_ids": [first, 999_999, second, third],
                "due_at": "2026-05-02",  # a Saturday: the end of Monday 4 May instead
                "reason": "Abstimmung mit dem Gemeinderat",
                "expected_versions": [{"id": second, "version": version_seen}],
            },
        )
    )
    assert answer["changed"] == [first, third]
    reasons = {r["id"]: r["reason"] for r in answer["refused"]}
    assert list(reasons) == [999_999, second]
    assert "not found" in reasons[999_999]
    assert "expected_version" in reasons[second] or "concurrently" in reasons[second]
    assert one(staff, first)["stage_due_at"].startswith("2026-05-04T23:59:59")
    assert not [h for h in history(staff, second) if h["action"] == "deadline"]


def test_reassigning_the_owner(staff: Api) -> None:
    ids = engagements(staff, 3)
    staff.ok(staff.patch(f"/api/v1/engagements/{ids[2]}", json={"owner": "Tom Berger"}))
    answer = staff.ok(
        staff.post(
            "/api/v1/bulk/owner", json={"engagement_ids": [*ids, 424_242], "owner": "Tom Berger"}
        )
    )
    assert answer["changed"] == ids[:2]
    assert answer["unchanged"] == [ids[2]]
    assert answer["refused"] == [
        {
            "id": 424_242,
            "code": "engagement_not_found",
            "reason": "engagement 424242 not found",
            "reason_de": "Beratung 424242 nicht gefunden.",
        }
    ]
    for eid in ids[:2]:
        assert one(staff, eid)["owner"] == "Tom Berger"
        changes = [h["details"] for h in history(staff, eid) if h["kind"] == "change"]
        assert changes == [{"fields": {"owner": {"before": None, "after": "Tom Berger"}}}]
    clear = {"engagement_ids": ids, "owner": None}
    cleared = staff.ok(staff.post("/api/v1/bulk/owner", json=clear))
    assert cleared["changed"] == ids
    assert [one(staff, eid)["owner"] for eid in ids] == [None, None, None]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"engagement_ids": [], "extend_working_days": 1}, "at least 1"),
        ({"engagement_ids": list(range(1, 502)), "extend_working_days": 1}, "at most 500"),
        ({"engagement_ids": [1, 2, 1], "extend_working_days": 1}, "listed twice: 1"),
        ({"engagement_ids": [1]}, "exactly one of due_at and extend_working_days"),
        (
            {"engagement_ids": [1], "extend_working_days": 1, "due_at": "2026-05-04"},
            "exactly one",
        ),
        ({"engagement_ids": [1], "extend_working_days": 0}, "greater than or equal to 1"),
        ({"engagement_ids": [1], "extend_working_days": None}, "cannot be null"),
    ],
)
def test_limits_of_a_bulk_deadline_request(staff: Api, body: dict[str, Any], words: str) -> None:
    answer = staff.post("/api/v1/bulk/deadlines", json={"reason": "Verlängerung", **body})
    assert answer.status_code == 422, answer.text
    assert words in answer.text


def test_limits_of_a_bulk_owner_request(staff: Api) -> None:
    too_many = {"engagement_ids": list(range(1, 502)), "owner": "Tom Berger"}
    assert staff.post("/api/v1/bulk/owner", json=too_many).status_code == 422
    twice = {"engagement_ids": [7, 7], "owner": "Tom Berger"}
    assert "listed twice: 7" in staff.post("/api/v1/bulk/owner", json=twice).text


def test_roles(staff: Api, supervisor: Api) -> None:
    ids = engagements(staff, 1)
    deadline = {"engagement_ids": ids, "extend_working_days": 1, "reason": "x"}
    assert supervisor.post("/api/v1/bulk/deadlines", json=deadline).status_code == 403
    owner = {"engagement_ids": ids, "owner": "Tom Berger"}
    assert supervisor.post("/api/v1/bulk/owner", json=owner).status_code == 403
    migrate = {"engagement_ids": ids, "process": "fokusberatung", "to_version": 2}
    assert staff.post("/api/v1/bulk/migrate", json=migrate).status_code == 403
    assert not [h for h in history(staff, ids[0]) if h["kind"] != "transition"]


def test_migrate_dry_run_then_for_real(staff: Api, admin: Api) -> None:
    old = engagements(staff, 2)  # fokusberatung v1
    assert staff.fire(old[1], "approve").status_code == 200  # v1 onboarding
    current = int(staff.engagement(process_version=2)["id"])
    other = int(staff.engagement(process="klimaschutzmanagement", process_version=None)["id"])
    body = {
        "engagement_ids": [*old, current, other, 777_777],
        "process": "fokusberatung",
        "to_version": 2,
    }

    dry = admin.ok(admin.post("/api/v1/bulk/migrate", json=body))
    assert dry["dry_run"] is True
    assert dry["changed"] == old
    assert dry["moves"] == [
        {"id": old[0], "from_version": 1, "from_state": "application", "to_version": 2,
         "to_state": "application"},
        {"id": old[1], "from_version": 1, "from_state": "onboarding", "to_version": 2,
         "to_state": "onboarding"},
    ]  # fmt: skip
    reasons = {r["id"]: r["reason"] for r in dry["refused"]}
    assert list(reasons) == [current, other, 777_777]
    assert "already" in reasons[current]
    assert "klimaschutzmanagement" in reasons[other]
    assert "not found" in reasons[777_777]
    assert [one(staff, eid)["process_version"] for eid in old] == [1, 1]  # nothing written
    assert not [h for h in history(staff, old[0]) if h["action"] == "migrated"]

    done = admin.ok(admin.post("/api/v1/bulk/migrate", json={**body, "dry_run": False}))
    assert done["dry_run"] is False
    assert done["changed"] == old and done["moves"] == dry["moves"]
    assert [one(staff, eid)["process_version"] for eid in old] == [2, 2]
    for eid in old:
        [entry] = [h for h in history(staff, eid) if h["action"] == "migrated"]
        assert entry["details"] == {
            "from": {"process": "fokusberatung", "version": 1},
            "to": {"process": "fokusberatung", "version": 2},
        }
        assert entry["actor"] == "Adam Admin"


def test_migrate_to_an_unknown_version_or_process(admin: Api) -> None:
    body = {"engagement_ids": [1], "process": "fokusberatung", "to_version": 9}
    answer = admin.post("/api/v1/bulk/migrate", json=body)
    assert answer.status_code == 404 and "no version 9" in answer.json()["detail"]
    body = {"engagement_ids": [1], "process": "nachhaltigkeit", "to_version": 1}
    answer = admin.post("/api/v1/bulk/migrate", json=body)
    assert answer.status_code == 422 and "nachhaltigkeit" in answer.text  # not in the enum
