"""Must show 4: every bad input is a 4xx with a message that names the problem, never a
500, and never leaves a half-written row behind."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from service.core.context import Context
from service.engagements.models import Engagement, HistoryEntry
from tests.support import ENGAGEMENT, Api


def _counts(ctx: Context) -> tuple[int, int]:
    with ctx.db.read() as session:
        engagements = session.execute(select(func.count()).select_from(Engagement)).scalar_one()
        history = session.execute(select(func.count()).select_from(HistoryEntry)).scalar_one()
    return engagements, history


def _problem(response: Any, status: int, *words: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail, response.text
    for word in words:
        assert word in detail, (word, detail)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"applicant_type": "private_company"}, ["applicant_type"]),
        ({"applicant_type": "municipal_company"}, ["municipal_share_percent", "required"]),
        (
            {"applicant_type": "municipal_company", "municipal_share_percent": 24.9},
            ["25 %", "not eligible"],
        ),
        ({"municipal_share_percent": 101}, ["municipal_share_percent"]),
        ({"municipal_share_percent": "viel"}, ["municipal_share_percent"]),
        ({"federal_state": "XX"}, ["federal_state"]),
        ({"federal_state": "by"}, ["federal_state"]),
        ({"municipality": ""}, ["municipality"]),
        ({"municipality": "   "}, ["municipality"]),
        ({"municipality": "x" * 201}, ["municipality"]),
        ({"municipality": 42}, ["municipality"]),
        ({"municipality": None}, ["municipality"]),
        ({"contact_name": "Anna\r\nBcc: everyone@example.org"}, ["contact_name", "control"]),
        ({"contact_email": "not-an-address"}, ["contact_email"]),
        ({"contact_email": "a@b.test\nBcc: x@example.org"}, ["contact_email"]),
        ({"language": "fr"}, ["language"]),
        ({"surprise": True}, ["surprise"]),
    ],
)
def test_a_bad_engagement_is_refused_by_name(
    staff: Api, ctx: Context, change: dict[str, Any], words: list[str]
) -> None:
    before = _counts(ctx)
    _problem(staff.post("/api/v1/engagements", json={**ENGAGEMENT, **change}), 422, *words)
    assert _counts(ctx) == before


@pytest.mark.parametrize("field", ["municipality", "applicant_type", "federal_state"])
def test_a_missing_field_is_named(staff: Api, field: str) -> None:
    body = {k: v for k, v in ENGAGEMENT.items() if k != field}
    _problem(staff.post("/api/v1/engagements", json=body), 422, field, "required")


@pytest.mark.parametrize(
    ("applicant_type", "attested"),
    [
        ("municipality", {}),
        ("education", {"operator_kind": "public"}),
        ("religious_community", {"public_corporation_status": True}),
        ("youth_welfare", {"operator_kind": "nonprofit"}),
    ],
)
def test_every_eligible_applicant_type_is_accepted(
    staff: Api, applicant_type: str, attested: dict[str, Any]
) -> None:
    created = staff.engagement(applicant_type=applicant_type, **attested)
    assert created["applicant_type"] == applicant_type


def test_a_municipal_company_with_a_quarter_municipal_share_is_eligible(staff: Api) -> None:
    created = staff.engagement(applicant_type="municipal_company", municipal_share_percent=25)
    assert created["state"] == "application"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", ["malformed JSON"]),
        (b"", ["body"]),
        (b"[1, 2]", ["body"]),
        (b'"approve"', ["body"]),
        (b'{"trigger": "approve", "expected_version": "one"}', ["expected_version"]),
        (b'{"trigger": "approve", "expected_version": 0}', ["expected_version"]),
        (b'{"trigger": "approve", "expected_version": 1e400}', ["expected_version"]),
        (b'{"trigger": "approve", "expected_version": 2147483648}', ["expected_version"]),
        (b'{"trigger": "fly_to_the_moon"}', ["unknown trigger", "approve"]),
        (b'{"trigger": ""}', ["trigger"]),
        (b'{"trigger": "approve", "note": "' + b"x" * 5000 + b'"}', ["note"]),
        (b'{"trigger": "approve", "note": "a\\u0000b"}', ["note", "control"]),
    ],
)
def test_a_bad_transition_request_is_a_422_and_changes_nothing(
    staff: Api, ctx: Context, body: bytes, words: list[str]
) -> None:
    eid = staff.engagement()["id"]
    before = _counts(ctx)
    response = staff.client.post(
        f"/api/v1/engagements/{eid}/transitions",
        content=body,
        headers={**staff.headers, "Content-Type": "application/json"},
    )
    _problem(response, 422, *words)
    assert _counts(ctx) == before
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["version"] == 1


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/engagements/999999"),
        ("get", "/api/v1/engagements/999999/history"),
        ("get", "/api/v1/engagements/999999/diagram"),
        ("post", "/api/v1/engagements/999999/transitions"),
        ("patch", "/api/v1/engagements/999999/deadline"),
        ("post", "/api/v1/engagements/999999/participants"),
        ("post", "/api/v1/engagements/999999/workshops"),
        ("post", "/api/v1/engagements/999999/measures"),
        ("get", "/api/v1/workshops/999999"),
        ("patch", "/api/v1/measures/999999"),
        ("delete", "/api/v1/participants/999999"),
    ],
)
def test_unknown_ids_are_404(staff: Api, method: str, url: str) -> None:
    bodies = {
        "transitions": {"trigger": "approve"},
        "deadline": {"due_at": "2026-04-01T12:00:00", "reason": "Ratssitzung verschoben"},
        "participants": {"name": "Petra Klein", "email": "petra@example.org"},
        "workshops": {
            "title": "Auftakt",
            "starts_at": "2026-03-10T17:00:00",
            "ends_at": "2026-03-10T19:00:00",
            "location": "Rathaus",
        },
        "measures": {"title": "LED", "action_area": "mobility"},
        "measures/999999": {"status": "in_progress"},
    }
    body = next((b for suffix, b in bodies.items() if url.endswith(suffix)), None)
    kwargs: dict[str, Any] = {"json": body} if method in ("post", "patch") else {}
    _problem(getattr(staff, method)(url, **kwargs), 404, "not found")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/engagements/abc",
        "/api/v1/engagements/-1",
        "/api/v1/engagements/0",
        "/api/v1/engagements/99999999999999999999999",
        "/api/v1/engagements/4611686018427387904",
        "/api/v1/engagements/2147483648",
    ],
)
def test_ids_that_are_not_ids_are_refused(staff: Api, url: str) -> None:
    response = staff.get(url)
    assert response.status_code in (404, 422), response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "state=flying",
        "limit=0",
        "limit=100000",
        "limit=ten",
        "offset=-1",
        "overdue=perhaps",
    ],
)
def test_bad_list_queries_are_422(staff: Api, query: str) -> None:
    field = query.partition("=")[0]
    _problem(staff.get(f"/api/v1/engagements?{query}"), 422, field)


def test_a_huge_body_is_413_before_it_is_read(staff: Api, ctx: Context) -> None:
    before = _counts(ctx)
    body = {**ENGAGEMENT, "municipality": "x" * (ctx.settings.max_body_bytes + 10)}
    _problem(staff.post("/api/v1/engagements", json=body), 413, "larger than")
    assert _counts(ctx) == before


def test_a_workshop_ending_before_it_starts_is_refused(staff: Api) -> None:
    eid = staff.engagement()["id"]
    response = staff.post(
        f"/api/v1/engagements/{eid}/workshops",
        json={
            "title": "Auftakt",
            "starts_at": "2026-03-10T19:00:00",
            "ends_at": "2026-03-10T17:00:00",
            "location": "Rathaus",
        },
    )
    _problem(response, 422, "ends_at")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"status": "exploded"}, ["status"]),
        ({"progress_percent": 101}, ["progress_percent"]),
        ({"progress_percent": -1}, ["progress_percent"]),
        ({}, []),
    ],
)
def test_bad_measure_updates_are_422(staff: Api, body: dict[str, Any], words: list[str]) -> None:
    eid = staff.engagement()["id"]
    measure = staff.measure(eid)
    _problem(staff.patch(f"/api/v1/measures/{measure['id']}", json=body), 422, *words)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"name": "Petra Klein", "email": "kaputt"}, ["email"]),
        ({"name": "Petra\nKlein", "email": "petra@example.org"}, ["name", "control"]),
        ({"name": "", "email": "petra@example.org"}, ["name"]),
        ({"name": "Petra Klein"}, ["email", "required"]),
    ],
)
def test_bad_participants_are_422(staff: Api, body: dict[str, Any], words: list[str]) -> None:
    eid = staff.engagement()["id"]
    _problem(staff.post(f"/api/v1/engagements/{eid}/participants", json=body), 422, *words)


def test_the_same_participant_twice_is_409(staff: Api) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid, email="petra@example.org")
    again = staff.post(
        f"/api/v1/engagements/{eid}/participants",
        json={"name": "Petra K.", "email": "Petra@Example.org"},
    )
    _problem(again, 409, "petra@example.org")


def test_a_deadline_change_needs_a_reason_and_a_sane_date(staff: Api) -> None:
    eid = staff.engagement()["id"]
    url = f"/api/v1/engagements/{eid}/deadline"
    _problem(staff.patch(url, json={"due_at": "2026-04-01T12:00:00"}), 422, "reason")
    _problem(staff.patch(url, json={"due_at": "2026-04-01", "reason": ""}), 422, "reason")
    _problem(staff.patch(url, json={"due_at": "morgen", "reason": "x"}), 422, "due_at")
    _problem(staff.patch(url, json={"due_at": "9999-01-01T00:00:00", "reason": "x"}), 422, "due_at")


def test_unknown_routes_and_methods_answer_json(staff: Api) -> None:
    _problem(staff.get("/api/v1/nothing-here"), 404, "not found")
    assert staff.client.put("/api/v1/engagements", headers=staff.headers).status_code == 405
