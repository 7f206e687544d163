"""The OpenAPI document says what the service does (the fast half of
tests/api/test_openapi_fuzz.py): the statuses every operation may answer, 405 with the
path's methods in `Allow`, and input schemas whose limits and patterns accept exactly what
the validators accept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from service.core import validation
from tests.support import Api


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


@pytest.mark.sqlite_only
def test_every_operation_documents_the_answers_of_the_app_machinery(
    document: dict[str, Any],
) -> None:
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        assert {"413", "503"} <= responses.keys(), (method, path)
        if path.startswith("/api/v1/"):
            assert operation["security"] == [{"apiKey": []}], (method, path)
            assert "401" in responses, (method, path)
        for status, response in responses.items():
            if status >= "400":  # every error is JSON with a `detail` (the RSVP page also HTML)
                assert "application/json" in response["content"], (method, path, status)
    assert "HTTPValidationError" not in str(document)  # FastAPI's 422 body is never sent


@pytest.mark.sqlite_only
def test_route_specific_answers_are_documented(document: dict[str, Any]) -> None:
    paths = document["paths"]
    transition = paths["/api/v1/engagements/{engagement_id}/transitions"]["post"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= transition.keys()
    conflict = document["components"]["schemas"]["ConflictResponse"]["properties"]
    assert {"detail", "allowed_triggers", "current_version"} <= conflict.keys()
    invalid = document["components"]["schemas"]["ValidationErrorResponse"]["properties"]
    assert {"detail", "errors"} <= invalid.keys()
    diagram = paths["/api/v1/engagements/{engagement_id}/diagram"]["get"]["responses"]
    assert list(diagram["200"]["content"]) == ["text/vnd.mermaid"]
    overdue = paths["/api/v1/overdue"]["get"]["responses"]["200"]
    assert overdue["headers"]["X-Total-Count"]["required"] is True
    trigger = document["components"]["schemas"]["TransitionRequest"]["properties"]["trigger"]
    assert "approve" in trigger["enum"]


def test_a_405_names_every_method_of_the_path(staff: Api) -> None:
    eid = staff.engagement()["id"]
    for url, allowed in [
        (f"/api/v1/engagements/{eid}", "GET, PATCH"),
        ("/api/v1/workshops/1/invitations", "GET, POST"),
        ("/api/v1/engagements", "GET, POST"),
    ]:
        response = staff.client.request("PUT", url, headers=staff.headers)
        assert response.status_code == 405, response.text
        assert response.headers["allow"] == allowed
        assert response.json()["detail"]


def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(staff: Api) -> None:
    response = staff.client.post(
        "/api/v1/engagements",
        content=b'{"municipality": "\xff\xfe"}',
        headers={**staff.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "body: malformed JSON: the body is not UTF-8"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/transitions", {"trigger": "approve", "expected_version": "1"}, "expected_version"),
        ("/transitions", {"trigger": "approve", "expected_version": True}, "expected_version"),
        ("/deadline", {"due_at": 1767225600, "reason": "x"}, "due_at"),
        ("/deadline", {"due_at": "2026-04-01 12:00", "reason": "x"}, "due_at"),
        ("/deadline", {"due_at": "2026-02-29T12:00:00", "reason": "x"}, "due_at"),
        ("/deadline", {"due_at": "2026-04-01T12:00:00", "reason": " \n "}, "reason"),
        ("/measures", {"title": "LED", "action_area": "other", "planned_end": 0}, "planned_end"),
    ],
)
def test_what_the_schema_refuses_is_refused(
    staff: Api, url: str, body: dict[str, Any], field: str
) -> None:
    eid = staff.engagement()["id"]
    method = staff.patch if url == "/deadline" else staff.post
    response = method(f"/api/v1/engagements/{eid}{url}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_what_the_schema_allows_is_taken(staff: Api) -> None:
    eid = staff.engagement(contact_email="  jörg@bücher.de ")["id"]
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["contact_email"] == "jörg@bücher.de"
    staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}/deadline",
            json={"due_at": "2028-02-29", "reason": "  Schaltjahr\n", "expected_version": 1.0},
        )
    )
    staff.ok(staff.get("/api/v1/engagements", params={"overdue": "false", "state": "application"}))
    refused = staff.get("/api/v1/engagements", params={"overdue": "yes"})
    assert refused.status_code == 422, refused.text


# -- the declared schema of each input type against its validator ---------------------------

# ASCII, controls, blanks that strip() removes, letters beyond Latin-1 and outside the BMP
_ALPHABET = st.sampled_from(
    [*"aZ09 .-@_+", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\x85", "\xa0", "\u2028",
     "\u3000", "ü", "ß", "Ł", "€", "中", "\U0001f600"]
)  # fmt: skip

_STRING_TYPES: list[tuple[Any, str, int]] = [
    (validation.Name, validation.NAME_PATTERN, 200),
    (validation.OptionalName, validation.LINE_PATTERN, 200),
    (validation.Text, validation.TEXT_PATTERN, 4000),
    (validation.Reason, validation.REASON_PATTERN, 4000),
    (validation.Email, validation.EMAIL_PATTERN, validation.EMAIL_MAX_LENGTH),
]


def _accepted(kind: Any, value: object) -> bool:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("kind", "pattern", "max_length"),
    _STRING_TYPES,
    ids=["Name", "OptionalName", "Text", "Reason", "Email"],
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@example(data=None)
def test_a_string_type_accepts_exactly_what_its_schema_allows(
    kind: Any, pattern: str, max_length: int, data: st.DataObject | None
) -> None:
    schema = TypeAdapter(kind).json_schema()
    assert (schema["pattern"], schema["maxLength"]) == (pattern, max_length)
    compiled = re.compile(pattern)
    if data is None:
        return
    value = data.draw(
        st.one_of(
            st.text(_ALPHABET, max_size=12),
            st.from_regex(compiled, fullmatch=True).map(lambda v: v[: max_length + 1]),
            st.text(_ALPHABET, min_size=max_length - 2, max_size=max_length + 2),
        )
    )
    allowed = bool(compiled.fullmatch(value)) and len(value) <= max_length
    assert _accepted(kind, value) == allowed, (value, allowed)


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.from_regex(re.compile(validation.DATETIME_PATTERN), fullmatch=True),
        st.datetimes().map(lambda d: d.isoformat()),
        st.dates().map(str),
        st.text(st.sampled_from("0123456789-:T.Z+ "), max_size=25),
    )
)
def test_times_and_dates_accept_exactly_what_their_schema_allows(value: str) -> None:
    allowed = bool(re.fullmatch(validation.DATETIME_PATTERN, value))
    assert _accepted(validation.LocalDateTime, value) == allowed, value
    is_date = bool(re.fullmatch(validation.DATE_PATTERN, value))
    assert _accepted(validation.PlanDate, value) == is_date, value


def test_the_patterns_character_classes_are_the_validators_own() -> None:
    everything = [chr(c) for c in range(0x110000)]
    control = [c for c in everything if validation.CONTROL_CHARACTERS.match(c)]
    control_in_text = [c for c in everything if validation._CONTROL_NO_NEWLINE.match(c)]
    blanks = [c for c in everything if c.isspace()]
    assert (control, control_in_text, blanks) == (
        validation._CONTROL,
        validation._CONTROL_IN_TEXT,
        validation.WHITESPACE,
    )
