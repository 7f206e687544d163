"""The follow-up form on a completed Fokusberatung's page: "Klimaschutzmanagement
anschließen" (staff and admins) starts the Klimaschutzmanagement as
`POST /api/v1/engagements/{id}/follow-up` does and leads to it with a notice; the one
form a completed engagement takes. Refusals in the page's language."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.engagements.test_follow_up import _completed_fokusberatung
from tests.support import Api
from tests.web.conftest import csrf_of, form, login


def test_completed_fokusberatung_is_followed_up_from_its_page(
    client: TestClient, staff: Api
) -> None:
    eid = _completed_fokusberatung(staff)["id"]
    login(client, staff)
    page = client.get(f"/engagements/{eid}")
    assert f'action="/engagements/{eid}/follow-up"' in page.text
    assert "Klimaschutzmanagement anschließen" in page.text

    answer = form(client, f"/engagements/{eid}/follow-up", csrf_of(page.text))
    assert answer.status_code == 303
    match = re.fullmatch(r"/engagements/(\d+)\?msg=follow_up_created", answer.headers["location"])
    assert match, answer.headers["location"]
    new = staff.ok(staff.get(f"/api/v1/engagements/{match.group(1)}"))
    assert (new["process"], new["state"], new["predecessor_id"]) == (
        "klimaschutzmanagement",
        "application",
        eid,
    )
    shown = client.get(answer.headers["location"])
    assert "Das Klimaschutzmanagement wurde als Folgevorhaben angelegt." in shown.text
    assert f'Folgt auf: <a href="/engagements/{eid}">' in shown.text

    # the predecessor links to it and offers no second follow-up
    before = client.get(f"/engagements/{eid}").text
    assert f'Fortgesetzt in: <a href="/engagements/{match.group(1)}">' in before
    assert f'action="/engagements/{eid}/follow-up"' not in before

    # once only: the second try is refused on the predecessor's page, in German or English
    again = form(client, f"/engagements/{eid}/follow-up", csrf_of(page.text))
    assert again.status_code == 409
    assert re.search(
        rf'role="alert"[^>]*>Fortsetzung: Beratung {eid} wird bereits mit Beratung '
        rf"{match.group(1)} fortgesetzt\.",
        again.text,
    )
    english = client.post(
        f"/engagements/{eid}/follow-up?lang=en",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert english.status_code == 409
    assert f"already followed up by engagement {match.group(1)}" in english.text


def test_no_form_before_completion_and_a_refusal_if_posted(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    csrf = login(client, staff)
    page = client.get(f"/engagements/{eid}")
    assert "/follow-up" not in page.text
    answer = form(client, f"/engagements/{eid}/follow-up", csrf)
    assert answer.status_code == 409
    assert "erst nach Abschluss der Fokusberatung" in answer.text


def test_supervisor_sees_no_form_and_is_refused(
    client: TestClient, staff: Api, supervisor: Api
) -> None:
    eid = _completed_fokusberatung(staff)["id"]
    csrf = login(client, supervisor)
    assert "/follow-up" not in client.get(f"/engagements/{eid}").text
    answer = form(client, f"/engagements/{eid}/follow-up", csrf)
    assert answer.status_code == 403
    # the refused try created nothing: the follow-up is still to be started
    assert (
        staff.created(
            staff.post(
                f"/api/v1/engagements/{eid}/follow-up", json={"process": "klimaschutzmanagement"}
            )
        )["predecessor_id"]
        == eid
    )


def test_without_a_csrf_token_nothing_happens(client: TestClient, staff: Api) -> None:
    eid = _completed_fokusberatung(staff)["id"]
    login(client, staff)
    answer = form(client, f"/engagements/{eid}/follow-up", "falsch")
    assert answer.status_code == 403
    again = form(client, f"/engagements/{eid}/follow-up", csrf_of(client.get("/").text))
    assert again.status_code == 303  # the refused try created nothing
