"""One error catalogue (templates/i18n/errors.json): every error the API answers carries a
`code`, the English `detail` and the German `detail_de`; schema errors name the field by
its German label; the source and the catalogue agree (every raise uses a known code with
its parameters, every code is used, docs/api.md lists them all)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.errors import catalogue, parameters, placeholders
from tests.support import ENGAGEMENT, Api

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "service").rglob("*.py")), *sorted((ROOT / "workflows").rglob("*.py"))]
ERROR_CLASSES = {"DomainError", "NotFound", "Conflict", "Invalid", "Unauthorized", "Forbidden"}
# functions that take a catalogue code (`errors` section), with the code's position: the
# HTTP layer's answers, in the files that answer outside a route (`text` elsewhere may be
# SQLAlchemy's)
CODE_FUNCTIONS = {"_answer": 0, "_reply": 2, "_json_problem": 1, "text": 0}
HTTP_FILES = {"http_errors.py", "body_limit.py", "gate.py", "http.py", "rsvp_api.py"}


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _error_classes() -> set[str]:
    """DomainError and every subclass of it in the source (FileTooLarge, …)."""
    found = set(ERROR_CLASSES)
    for _path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases & found:
                    found.add(node.name)
    return found


def _code(call: ast.Call, position: int = 0) -> str | None:
    """The code a call names, if it is written out."""
    if len(call.args) > position:
        node = call.args[position]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
    return None


def _calls() -> Iterator[tuple[str, str | None, ast.Call, str]]:
    """(where, code, call, kind) for every call that takes a catalogue code: kind "error"
    (a domain error or the HTTP layer's answer) or "input" (`problem`, a validator's)."""
    classes = _error_classes()
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name in classes and not (
                isinstance(node.func, ast.Name) and node.func.id == "super"
            ):
                yield where, _code(node), node, "error"
            elif name in CODE_FUNCTIONS and path.name in HTTP_FILES:
                code = _code(node, CODE_FUNCTIONS[name])
                if code is not None:  # text(code, …) inside _answer: checked at _answer
                    yield where, code, node, "error"
            elif name == "problem":
                yield where, _code(node), node, "input"


def test_every_raise_names_a_catalogue_code_with_its_parameters() -> None:
    errors, inputs = catalogue()["errors"], catalogue()["input"]
    wrong = []
    for where, code, call, kind in _calls():
        if code is None:
            wrong.append(f"{where}: the code must be written out")
            continue
        known = errors if kind == "error" else inputs
        if code not in known:
            wrong.append(f"{where}: {code!r} is not in errors.json ({kind})")
            continue
        if any(k.arg is None for k in call.keywords):  # **params: checked where built
            continue
        given = {k.arg for k in call.keywords if k.arg is not None and k.arg != "extra"}
        if kind == "error" and _name(call) != "text":
            needed = parameters(code)
        else:
            needed = placeholders(known[code]["de"]) | placeholders(known[code]["en"])
            needed -= {"input"}  # pydantic fills in the refused value
        if kind == "error" and given != needed:
            wrong.append(f"{where}: {code} takes {sorted(needed)}, got {sorted(given)}")
        elif kind == "input" and not needed <= given:
            wrong.append(f"{where}: {code} needs {sorted(needed)}, got {sorted(given)}")
    assert not wrong, "\n".join(wrong)


def test_every_catalogue_code_is_used() -> None:
    used = {code for _where, code, _call, kind in _calls() if kind == "error"}
    unused = sorted(set(catalogue()["errors"]) - used)
    assert not unused, f"codes nobody raises (remove them from errors.json): {unused}"
    ours = {code for _where, code, _call, kind in _calls() if kind == "input"}
    assert ours <= set(catalogue()["input"])


def test_the_catalogue_has_german_and_english_with_the_same_placeholders() -> None:
    for section, entries in catalogue().items():
        for key, texts in entries.items():
            de = {p for p in placeholders(texts["de"]) if not p.endswith("_de")}
            en = {p for p in placeholders(texts["en"]) if not p.endswith("_en")}
            assert de == en, (section, key)
            assert texts["de"] != texts["en"] or section == "fields", (section, key)


def test_docs_list_every_code() -> None:
    docs = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Errors") :]
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE))
    assert listed == set(catalogue()["errors"]), sorted(listed ^ set(catalogue()["errors"]))


# --- the API's answers ---------------------------------------------------------------


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["detail"] and body["detail_de"], body
    return body


def test_a_domain_error_carries_code_and_german_text(staff: Api) -> None:
    body = _error(staff.get("/api/v1/engagements/999999"), 404, "engagement_not_found")
    assert body["detail"] == "engagement 999999 not found"
    assert body["detail_de"] == "Beratung 999999 nicht gefunden."


def test_a_duplicate_participant_is_a_409_in_german_with_the_existing_id(staff: Api) -> None:
    eid = staff.engagement()["id"]
    person = {"name": "Max Muster", "email": "max@example.org"}
    first = staff.post(f"/api/v1/engagements/{eid}/participants", json=person)
    assert first.status_code == 201, first.text
    again = staff.post(f"/api/v1/engagements/{eid}/participants", json=person)
    body = _error(again, 409, "participant_duplicate")
    assert body["detail"] == f"max@example.org is already a participant of engagement {eid}"
    assert body["detail_de"] == f"max@example.org nimmt an Beratung {eid} bereits teil."
    assert body["participant_id"] == first.json()["id"]


def test_a_validation_error_names_the_field_by_its_german_label(staff: Api) -> None:
    eid = staff.engagement()["id"]
    person = {"name": "Max Muster", "email": "max@gemeinde"}
    body = _error(
        staff.post(f"/api/v1/engagements/{eid}/participants", json=person), 422, "validation"
    )
    assert body["detail"].startswith("email: not a valid email address")
    assert body["detail_de"] == (
        "E-Mail-Adresse: „max@gemeinde“ ist keine gültige Adresse "
        "(nach dem @ fehlt die Domain mit Punkt)"
    )
    (item,) = body["errors"]
    assert item["field"] == "email" and item["code"] == "email_no_domain_dot"
    assert item["message_de"] == body["detail_de"]


@pytest.mark.parametrize(
    ("change", "german"),
    [
        ({"municipality": None}, "Kommune: muss ein Text sein"),
        ({"municipality": ""}, "Kommune: darf nicht leer sein"),
        ({"municipal_share_percent": 101, "applicant_type": "municipal_company"}, "höchstens 100"),
        ({"contact_name": "Anna\nB"}, "Ansprechperson: darf keine Steuerzeichen"),
        ({"surprise": True}, "surprise: dieses Feld gibt es hier nicht"),
    ],
)
def test_schema_errors_are_german_in_detail_de(
    staff: Api, change: dict[str, Any], german: str
) -> None:
    body = _error(
        staff.post("/api/v1/engagements", json={**ENGAGEMENT, **change}), 422, "validation"
    )
    assert german in body["detail_de"], body
    assert "Input should" not in body["detail_de"]


def test_a_missing_field_is_named_in_german(staff: Api) -> None:
    body = _error(
        staff.post(
            "/api/v1/engagements", json={k: v for k, v in ENGAGEMENT.items() if k != "municipality"}
        ),
        422,
        "validation",
    )
    assert body["detail"] == "municipality: field required"
    assert body["detail_de"] == "Kommune: Angabe fehlt"


def test_malformed_json_is_a_validation_error_with_a_code(staff: Api) -> None:
    response = staff.client.post(
        "/api/v1/engagements",
        content=b"{not json",
        headers={**staff.headers, "content-type": "application/json"},
    )
    body = _error(response, 422, "validation")
    assert body["errors"][0]["code"] == "json_invalid"
    assert "kein gültiges JSON" in body["detail_de"]


def test_unknown_path_and_method_have_codes(client: TestClient, staff: Api) -> None:
    _error(staff.get("/api/v1/nothing-here"), 404, "not_found")
    body = _error(
        staff.client.put("/api/v1/engagements", headers=staff.headers), 405, "method_not_allowed"
    )
    assert "GET" in body["detail_de"]


def test_a_missing_key_is_a_401_with_a_code(client: TestClient) -> None:
    body = _error(client.get("/api/v1/engagements"), 401, "api_key_missing")
    assert "API-Schlüssel" in body["detail_de"]


def test_a_refused_step_explains_itself_in_german(staff: Api) -> None:
    eid = staff.engagement()["id"]
    refused = staff.post(f"/api/v1/engagements/{eid}/transitions", json={"trigger": "complete"})
    body = _error(refused, 409, "transition_wrong_state")
    assert "nicht möglich" in body["detail_de"]
    assert "not possible" in body["detail"]


def test_an_accepted_address_is_accepted_again_as_stored() -> None:
    """A form sends a stored address back (PATCH re-checks it): the normalised form must
    pass the same check ("İ".lower() would add a combining dot the pattern refuses)."""
    from pydantic import TypeAdapter

    from service.core.validation import Email

    check = TypeAdapter(Email)
    for address in ("Jörg@Bücher.DE", "a@xİ.de", "Ȫá.{@ĥǯ--łĕ.ħs"):
        stored = check.validate_python(address)
        assert check.validate_python(stored) == stored
