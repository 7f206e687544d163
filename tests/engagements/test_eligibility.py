"""Issue 11: who may apply, per version of the Kommunalrichtlinie (KRL 5.1, 4.1.1, 4.1.8).

Every refusal is a 422 whose `detail` names the rule, in English and German; every
accepted engagement shows what it was accepted with. The engagements here are new ones
(fokusberatung version 2 unless a test names another process)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.core.clock import MovableClock
from tests.support import Api

BERLIN = ZoneInfo("Europe/Berlin")

APPLICANT = {
    "municipality": "Gemeinde Beispielstadt",
    "federal_state": "BY",
    "contact_name": "Anna Schmidt",
    "contact_email": "anna.schmidt@example.org",
}

# what each applicant type must attest to be eligible at all
ATTESTED: dict[str, dict[str, Any]] = {
    "municipality": {},
    "municipal_company": {"municipal_share_percent": 51},
    "education": {"operator_kind": "public"},
    "religious_community": {"public_corporation_status": True},
    "youth_welfare": {"operator_kind": "nonprofit"},
    "special_purpose_association": {},  # a Zweckverband: no share threshold
    "health": {"operator_kind": "public"},
    "culture": {"operator_kind": "nonprofit"},
    "care": {"operator_kind": "religious"},
    "nonprofit_association": {},
}

# KRL 5.1: the types of 2020, and those the KRL 2022 added (kept by the KRL 2024)
SINCE_2020 = [
    "municipality",
    "municipal_company",
    "education",
    "religious_community",
    "youth_welfare",
]
SINCE_2022 = ["special_purpose_association", "health", "culture", "care", "nonprofit_association"]
TABLE = [
    (applicant_type, krl, applicant_type in SINCE_2020 or krl != "2020")
    for applicant_type in SINCE_2020 + SINCE_2022
    for krl in ("2020", "2022", "2024")
]


def _create(staff: Api, **body: Any) -> Any:
    return staff.post("/api/v1/engagements", json={**APPLICANT, **body})


def _refused(response: Any, *words: str) -> str:
    assert response.status_code == 422, (response.status_code, response.text)
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, (word, detail)
    return str(detail)


@pytest.mark.parametrize(("applicant_type", "krl_version", "eligible"), TABLE)
def test_applicant_types_per_krl_version(
    staff: Api, applicant_type: str, krl_version: str, eligible: bool
) -> None:
    response = _create(
        staff, applicant_type=applicant_type, krl_version=krl_version, **ATTESTED[applicant_type]
    )
    if eligible:
        created = staff.created(response)
        assert created["applicant_type"] == applicant_type
        assert created["krl_version"] == krl_version
    else:
        detail = _refused(response, applicant_type, "KRL 2022", "KRL 2020", "KRL 5.1")
        assert "antragsberechtigt" in detail  # and in German


@pytest.mark.parametrize(
    ("today", "krl_version"),
    [
        (datetime(2021, 12, 31, 12, tzinfo=BERLIN), "2020"),
        (datetime(2022, 1, 1, 0, 30, tzinfo=BERLIN), "2022"),  # local day, not UTC's
        (datetime(2025, 1, 31, 23, 30, tzinfo=BERLIN), "2022"),
        (datetime(2025, 2, 1, 9, tzinfo=BERLIN), "2024"),
        (datetime(2026, 3, 2, 9, tzinfo=BERLIN), "2024"),
    ],
)
def test_krl_version_defaults_to_the_one_in_force_on_the_application_date(
    staff: Api, clock: MovableClock, today: datetime, krl_version: str
) -> None:
    clock.set(today)
    created = staff.created(_create(staff, applicant_type="municipality"))
    assert created["krl_version"] == krl_version


def test_a_new_applicant_type_under_the_default_krl_version_of_2021_is_refused(
    staff: Api, clock: MovableClock
) -> None:
    clock.set(datetime(2021, 6, 1, 9, tzinfo=BERLIN))
    _refused(_create(staff, applicant_type="nonprofit_association"), "KRL 2020")


@pytest.mark.parametrize(
    ("applicant_type", "operator_kind", "eligible"),
    [
        ("education", None, False),
        ("education", "public", True),
        ("education", "nonprofit", True),
        ("education", "religious", True),
        ("youth_welfare", None, False),
        ("health", None, False),
        ("culture", None, False),
        ("care", None, False),
        ("care", "public", True),
        ("municipality", None, True),  # a municipality runs itself
        ("nonprofit_association", None, True),
    ],
)
def test_institutions_name_their_operator(
    staff: Api, applicant_type: str, operator_kind: str | None, eligible: bool
) -> None:
    body: dict[str, Any] = {"applicant_type": applicant_type, "krl_version": "2022"}
    if operator_kind is not None:
        body["operator_kind"] = operator_kind
    response = _create(staff, **body)
    if eligible:
        assert staff.created(response)["operator_kind"] == operator_kind
    else:
        _refused(response, "operator_kind", applicant_type, "KRL 5.1", "Träger")


def test_an_unknown_operator_kind_is_refused(staff: Api) -> None:
    _refused(_create(staff, applicant_type="education", operator_kind="private"), "operator_kind")


@pytest.mark.parametrize("krl_version", ["2020", "2022", "2024"])
@pytest.mark.parametrize(
    ("status", "eligible"), [(None, False), (False, False), (True, True), ("ja", False)]
)
def test_a_religious_community_needs_public_corporation_status(
    staff: Api, krl_version: str, status: Any, eligible: bool
) -> None:
    body: dict[str, Any] = {"applicant_type": "religious_community", "krl_version": krl_version}
    if status is not None:
        body["public_corporation_status"] = status
    response = _create(staff, **body)
    if eligible:
        assert staff.created(response)["public_corporation_status"] is True
    else:
        _refused(response, "public_corporation_status")


def test_a_special_purpose_association_needs_no_municipal_share(staff: Api) -> None:
    created = staff.created(
        _create(staff, applicant_type="special_purpose_association", krl_version="2024")
    )
    assert created["municipal_share_percent"] is None


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        # the default: the Einstiegs- und Orientierungsberatung, no integrated concept
        ({}, 201, []),
        ({"has_integrated_concept": False}, 201, []),
        (
            {"has_integrated_concept": True},
            422,
            ["has_integrated_concept", "4.1.1 a", "Klimaschutzkonzept"],
        ),
        (
            {"variant": "einstieg", "has_integrated_concept": True},
            422,
            ["has_integrated_concept", "einstieg"],
        ),
        ({"variant": "fokus", "focus_field": "heat", "has_integrated_concept": True}, 201, []),
        ({"process": "klimaschutzmanagement"}, 201, []),
        (
            {"process": "klimaschutzmanagement", "has_integrated_concept": True},
            422,
            ["has_integrated_concept", "Klimaschutzmanagement", "4.1.8 a", "Erstvorhaben"],
        ),
        # version 1 is the Fokusberatung of 2020: the entry consultation
        ({"process_version": 1, "has_integrated_concept": True}, 422, ["has_integrated_concept"]),
        ({"has_integrated_concept": "yes"}, 422, ["has_integrated_concept"]),
    ],
)
def test_an_integrated_concept_rules_out_the_entry_consultation_and_klimaschutzmanagement(
    staff: Api, body: dict[str, Any], status: int, words: list[str]
) -> None:
    response = _create(staff, applicant_type="municipality", **body)
    if status == 201:
        created = staff.created(response)
        assert created["has_integrated_concept"] is body.get("has_integrated_concept", False)
    else:
        _refused(response, *words)


@pytest.mark.parametrize(
    ("body", "variant", "focus_field"),
    [
        ({}, "einstieg", None),
        ({"variant": "einstieg"}, "einstieg", None),
        ({"variant": "fokus", "focus_field": "heat"}, "fokus", "heat"),
        ({"variant": "fokus", "focus_field": "street_lighting"}, "fokus", "street_lighting"),
        (
            {
                "process": "fokusberatung",
                "process_version": 2,
                "variant": "fokus",
                "focus_field": "mobility",
            },
            "fokus",
            "mobility",
        ),
        # processes without variants
        ({"process_version": 1}, None, None),
        ({"process": "klimaschutzmanagement"}, None, None),
    ],
)
def test_the_variant_and_its_field_of_action(
    staff: Api, body: dict[str, Any], variant: str | None, focus_field: str | None
) -> None:
    created = staff.created(_create(staff, applicant_type="municipality", **body))
    assert (created["variant"], created["focus_field"]) == (variant, focus_field)
    shown = staff.ok(staff.get(f"/api/v1/engagements/{created['id']}"))
    assert (shown["variant"], shown["focus_field"]) == (variant, focus_field)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"variant": "fokus"}, ["focus_field", "required", "4.1.1 b"]),
        ({"variant": "einstieg", "focus_field": "heat"}, ["focus_field", "fokus"]),
        ({"focus_field": "heat"}, ["focus_field", "fokus"]),
        ({"variant": "fokus", "focus_field": "weather"}, ["focus_field"]),
        ({"variant": "deep"}, ["variant"]),
        ({"process_version": 1, "variant": "einstieg"}, ["variant", "fokusberatung v1"]),
        (
            {"process": "klimaschutzmanagement", "variant": "fokus", "focus_field": "heat"},
            ["variant", "klimaschutzmanagement v1"],
        ),
    ],
)
def test_a_wrong_variant_or_field_of_action_is_refused(
    staff: Api, body: dict[str, Any], words: list[str]
) -> None:
    _refused(_create(staff, applicant_type="municipality", **body), *words)


def test_krl_version_is_one_of_the_three(staff: Api) -> None:
    _refused(_create(staff, applicant_type="municipality", krl_version="2021"), "krl_version")


def test_the_engagement_shows_what_it_was_accepted_with(staff: Api) -> None:
    created = staff.created(
        _create(
            staff,
            applicant_type="care",
            operator_kind="religious",
            krl_version="2022",
            variant="fokus",
            focus_field="water_wastewater",
            has_integrated_concept=True,
        )
    )
    shown = staff.ok(staff.get(f"/api/v1/engagements/{created['id']}"))
    assert {
        key: shown[key]
        for key in (
            "process",
            "process_version",
            "applicant_type",
            "krl_version",
            "variant",
            "focus_field",
            "has_integrated_concept",
            "operator_kind",
            "public_corporation_status",
            "predecessor_id",
        )
    } == {
        "process": "fokusberatung",
        "process_version": 2,
        "applicant_type": "care",
        "krl_version": "2022",
        "variant": "fokus",
        "focus_field": "water_wastewater",
        "has_integrated_concept": True,
        "operator_kind": "religious",
        "public_corporation_status": None,
        "predecessor_id": None,
    }
