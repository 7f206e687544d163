"""Reject and withdraw end a case for good: in the programme's processes (fokusberatung
version 2, klimaschutzmanagement) they fire only with a note saying why. The step stays
allowed (it is listed in `allowed_triggers` and the process data marks it
`needs_reason`); a request without a note, or with a blank one, is refused with a 409
that names the step in German and English. Version 1 of fokusberatung stays as the first
release had it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api

LATEST: dict[str, Any] = {"process_version": None}


@pytest.mark.parametrize("process", ["fokusberatung", "klimaschutzmanagement"])
@pytest.mark.parametrize(
    ("trigger", "label_de", "label_en", "final"),
    [
        ("reject", "Ablehnen", "Reject", "rejected"),
        ("withdraw", "Zurückziehen", "Withdraw", "withdrawn"),
    ],
)
def test_reject_and_withdraw_need_a_reason(
    staff: Api, process: str, trigger: str, label_de: str, label_en: str, final: str
) -> None:
    engagement = staff.engagement(**LATEST, process=process)
    eid = engagement["id"]
    assert trigger in engagement["allowed_triggers"]

    for note in (None, "", "   "):
        body = {} if note is None else {"note": note}
        refused = staff.fire(eid, trigger, **body)
        assert refused.status_code == 409, refused.text
        answer = refused.json()
        assert trigger in answer["allowed_triggers"]
        (guard,) = answer["failed_guards"]
        assert guard["name"] == "reason_given"
        assert guard["reason_de"].startswith(f"„{label_de}“ braucht eine Begründung")
        assert guard["reason_en"].startswith(f"'{label_en}' needs a reason")
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["state"] == "application"

    done = staff.ok(staff.fire(eid, trigger, note="Der Gemeinderat hat den Antrag zurückgenommen."))
    assert done["state"] == final
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert history[-1]["note"] == "Der Gemeinderat hat den Antrag zurückgenommen."


def test_the_process_data_marks_the_steps_that_need_a_reason(staff: Api) -> None:
    for url in (
        "/api/v1/processes/fokusberatung/versions/2",
        "/api/v1/processes/klimaschutzmanagement",
    ):
        steps = staff.ok(staff.get(url))["steps"]
        marked = {s["trigger"] for s in steps if s["needs_reason"]}
        assert marked == {"reject", "withdraw"}, url
        # not a guard: the contract's guard table stays as it is
        assert all(not s["guards"] for s in steps if s["trigger"] in marked)
    first = staff.ok(staff.get("/api/v1/processes/fokusberatung/versions/1"))["steps"]
    assert not any(s["needs_reason"] for s in first)


def test_version_1_withdraws_without_a_note_as_before(staff: Api) -> None:
    eid = staff.engagement()["id"]  # tests.support: version 1
    assert staff.ok(staff.fire(eid, "withdraw"))["state"] == "withdrawn"
