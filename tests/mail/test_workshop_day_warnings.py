"""A workshop on a weekend or a public holiday of the engagement's federal state is
saved, and the answer warns about it (issue 15): `warnings` in English, `warnings_de`
in German, on create and on change; a holiday of Bavaria is no holiday in Berlin."""

from __future__ import annotations

from typing import Any

from tests.support import Api


def _workshop(staff: Api, eid: int, day: str) -> dict[str, Any]:
    return staff.workshop(eid, starts_at=f"{day}T10:00:00", ends_at=f"{day}T13:00:00")


def test_weekdays_carry_no_warning(staff: Api) -> None:
    eid = staff.engagement()["id"]
    made = _workshop(staff, eid, "2026-03-10")  # a Tuesday
    assert made["warnings"] == [] and made["warnings_de"] == []


def test_a_saturday_is_saved_with_a_warning(staff: Api) -> None:
    eid = staff.engagement()["id"]
    made = _workshop(staff, eid, "2026-03-14")
    assert made["id"] and made["starts_at"].startswith("2026-03-14")
    assert made["warnings"] == [
        "The workshop falls on a Saturday (14.03.2026). It is saved; please check that the "
        "invitees can come."
    ]
    assert made["warnings_de"] == [
        "Der Workshop fällt auf einen Samstag (14.03.2026). Er ist gespeichert; bitte prüfen "
        "Sie, ob die Eingeladenen kommen können."
    ]
    # the warning stays with the workshop as long as it is on that day
    assert staff.ok(staff.get(f"/api/v1/workshops/{made['id']}"))["warnings"] == made["warnings"]


def test_a_bavarian_holiday_warns_in_bavaria_and_not_in_berlin(staff: Api) -> None:
    # Fronleichnam, Thursday 4 June 2026: a public holiday in Bavaria, not in Berlin
    bavaria = staff.engagement(federal_state="BY")["id"]
    berlin = staff.engagement(federal_state="BE")["id"]
    there = _workshop(staff, bavaria, "2026-06-04")
    assert there["warnings"] == [
        "The workshop falls on a public holiday in Bayern: Fronleichnam (04.06.2026). It is "
        "saved; please check that the invitees can come."
    ]
    assert there["warnings_de"][0].startswith(
        "Der Workshop fällt auf einen Feiertag in Bayern: Fronleichnam (04.06.2026)."
    )
    assert _workshop(staff, berlin, "2026-06-04")["warnings"] == []


def test_moving_a_workshop_onto_a_sunday_warns_in_the_change_answer(staff: Api) -> None:
    eid = staff.engagement()["id"]
    wid = _workshop(staff, eid, "2026-03-10")["id"]
    moved = staff.ok(
        staff.patch(
            f"/api/v1/workshops/{wid}",
            json={"starts_at": "2026-03-15T10:00:00", "ends_at": "2026-03-15T12:00:00"},
        )
    )
    assert moved["warnings"] == [
        "The workshop falls on a Sunday (15.03.2026). It is saved; please check that the "
        "invitees can come."
    ]
    back = staff.ok(
        staff.patch(
            f"/api/v1/workshops/{wid}",
            json={"starts_at": "2026-03-16T10:00:00", "ends_at": "2026-03-16T12:00:00"},
        )
    )
    assert back["warnings"] == [] and back["warnings_de"] == []


def test_a_workshop_over_a_weekend_warns_for_each_day(staff: Api) -> None:
    eid = staff.engagement()["id"]
    made = staff.workshop(eid, starts_at="2026-03-13T18:00:00", ends_at="2026-03-15T12:00:00")
    assert [w.split(" (")[0] for w in made["warnings"]] == [
        "The workshop falls on a Saturday",
        "The workshop falls on a Sunday",
    ]
