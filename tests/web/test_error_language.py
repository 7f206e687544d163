"""The dashboard says every refusal in the page's language: the error catalogue's German
text on a German page (never the API's English `detail`), the English text with
`?lang=en`. Each error of issue 12's list is provoked through the form a person uses."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from service.core.clock import MovableClock
from tests.support import Api
from tests.web.conftest import form, login


def _alert(response: httpx.Response) -> str:
    """The refusal's text on the page (the engagement page's message or the error page)."""
    found = re.findall(r'class="alert error"[^>]*>(.*?)</', response.text, re.DOTALL)
    assert found, response.text[:2000]
    return html.unescape(" ".join(found))


def _english(client: TestClient) -> None:
    """Switches the session's pages to English (remembered, as a person would click it)."""
    assert client.get("/?lang=en").status_code == 200


@pytest.fixture
def engagement(client: TestClient, staff: Api) -> tuple[int, str]:
    """An engagement with one participant, and the signed-in form's CSRF token."""
    eid = staff.engagement()["id"]
    staff.participant(eid, name="Max Muster", email="max@example.org")
    return eid, login(client, staff)


def test_a_duplicate_participant_in_german_then_english(
    client: TestClient, engagement: tuple[int, str]
) -> None:
    eid, csrf = engagement
    url = f"/engagements/{eid}/participants"
    refused = form(client, url, csrf, name="Max Muster", email="max@example.org")
    assert refused.status_code == 409
    text = _alert(refused)
    assert text == f"max@example.org nimmt an Beratung {eid} bereits teil."
    assert "already a participant" not in refused.text
    _english(client)
    english = _alert(form(client, url, csrf, name="Max Muster", email="max@example.org"))
    assert english == f"max@example.org is already a participant of engagement {eid}"


def test_an_address_without_a_domain_is_explained_in_german(
    client: TestClient, engagement: tuple[int, str]
) -> None:
    eid, csrf = engagement
    url = f"/engagements/{eid}/participants"
    refused = form(client, url, csrf, name="Max Gemeinde", email="max@gemeinde")
    assert refused.status_code == 422
    assert _alert(refused) == (
        "E-Mail-Adresse: „max@gemeinde“ ist keine gültige Adresse "
        "(nach dem @ fehlt die Domain mit Punkt)"
    )
    assert "not a valid email" not in refused.text
    assert 'value="max@gemeinde"' in refused.text  # what was typed stays
    _english(client)
    english = _alert(form(client, url, csrf, name="Max Gemeinde", email="max@gemeinde"))
    assert english.startswith("Email address: not a valid email address: 'max@gemeinde'")


def test_a_workshop_ending_before_it_starts(
    client: TestClient, engagement: tuple[int, str]
) -> None:
    eid, csrf = engagement
    url = f"/engagements/{eid}/workshops"
    times = {"starts_at": "2026-03-20T17:00", "ends_at": "2026-03-20T16:00"}
    refused = form(client, url, csrf, title="Auftakt", location="Rathaus", **times)
    assert refused.status_code == 422
    assert _alert(refused) == "Das Ende darf nicht vor dem Beginn liegen."
    assert "ends_at" not in _alert(refused)
    _english(client)
    english = form(client, url, csrf, title="Auftakt", location="Rathaus", **times)
    assert _alert(english) == "The end must not be before the start."  # labels, not field names


def test_inviting_to_a_workshop_that_is_over(
    client: TestClient, staff: Api, clock: MovableClock, engagement: tuple[int, str]
) -> None:
    eid, _csrf = engagement
    wid = staff.workshop(eid)["id"]
    clock.advance(timedelta(days=30))  # the workshop of 10 March is over
    csrf = login(client, staff)  # a session lasts 12 hours
    refused = form(client, f"/engagements/{eid}/invitations", csrf, workshop_id=wid)
    assert refused.status_code == 409
    assert _alert(refused) == "Der Workshop ist schon vorbei; niemand kann mehr eingeladen werden."
    assert "already over" not in refused.text


def test_a_progress_over_100_names_the_field_in_german(
    client: TestClient, staff: Api, engagement: tuple[int, str]
) -> None:
    eid, csrf = engagement
    mid = staff.created(
        staff.post(
            f"/api/v1/engagements/{eid}/measures", json={"title": "LED", "action_area": "mobility"}
        )
    )["id"]
    url = f"/engagements/{eid}/measures/update"
    refused = form(client, url, csrf, measure_id=mid, progress_percent=101)
    assert refused.status_code == 422
    assert _alert(refused) == "Fortschritt: höchstens 100"
    assert "Input should" not in refused.text and "progress_percent" not in _alert(refused)
    _english(client)
    english = form(client, url, csrf, measure_id=mid, progress_percent=101)
    assert _alert(english) == "Progress: at most 100"


def test_a_deadline_without_reason_or_date(client: TestClient, engagement: tuple[int, str]) -> None:
    eid, csrf = engagement
    url = f"/engagements/{eid}/deadline"
    no_reason = form(client, url, csrf, due_date="2026-06-30", reason="  ")
    assert no_reason.status_code == 422
    assert _alert(no_reason) == "Begründung: darf nicht leer sein"
    no_date = form(client, url, csrf, due_date="", reason="Urlaub")
    assert _alert(no_date) == "Neue Frist: bitte ein Datum angeben."
    not_a_date = form(client, url, csrf, due_date="morgen", reason="Urlaub")
    assert _alert(not_a_date) == "Neue Frist: „morgen“ ist kein Datum."
    _english(client)
    assert _alert(form(client, url, csrf, due_date="", reason="Urlaub")) == (
        "New deadline: please give a date."
    )


def test_the_error_page_speaks_the_pages_language(
    client: TestClient, engagement: tuple[int, str]
) -> None:
    eid, _csrf = engagement
    expired = form(client, f"/engagements/{eid}/participants", "not-the-token", name="X")
    assert expired.status_code == 403
    assert _alert(expired) == (
        "Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu."
    )
    _english(client)
    again = form(client, f"/engagements/{eid}/participants", "not-the-token", name="X")
    assert _alert(again) == "The form has expired or is invalid. Please reload the page."


def test_a_step_that_ends_the_case_needs_a_reason_and_a_closed_case_takes_no_change(
    client: TestClient, engagement: tuple[int, str]
) -> None:
    eid, csrf = engagement
    url = f"/engagements/{eid}/transition"
    refused = form(client, url, csrf, trigger="withdraw", expected_version=1)
    assert refused.status_code == 409
    assert _alert(refused) == "„Zurückziehen“ braucht eine Begründung: Bitte geben Sie an, warum."
    done = form(client, url, csrf, trigger="withdraw", note="Gemeinderat", expected_version=1)
    assert done.status_code == 303
    closed = form(client, f"/engagements/{eid}/participants", csrf, name="Eva", email="e@x.de")
    assert closed.status_code == 409
    assert "ist abgeschlossen" in _alert(closed) and "Zurückgezogen" in _alert(closed)
    _english(client)
    again = form(client, f"/engagements/{eid}/participants", csrf, name="Eva", email="e@x.de")
    assert "This engagement is closed" in _alert(again)
