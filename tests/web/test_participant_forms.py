"""The participant part of the engagement page, over HTTP with the session cookie:
correct a person in place, remove one only through a second, explicit button that says
what goes with them, email inputs that ask the browser for what the server asks, German
refusals, and nothing of it on a final engagement."""

from __future__ import annotations

import html as htmllib
import re

from fastapi.testclient import TestClient

from service.core.validation import EMAIL_PATTERN
from tests.support import Api
from tests.web.conftest import form, login


def _row(page: str, pid: int) -> str:
    match = re.search(rf'<tr data-participant="{pid}">.*?</tr>', page, re.S)
    assert match, f"participant {pid} not on the page"
    return match.group(0)


def test_correct_a_participant_in_place(client: TestClient, staff: Api) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    pid = staff.participant(eid, name="Petra Klien", email="petra@example.org")["id"]
    other = staff.participant(eid, name="Jonas Becker", email="jonas@example.org")["id"]
    row = _row(client.get(f"/engagements/{eid}").text, pid)
    assert f'<label for="p-name-{pid}">Name</label>' in row
    assert 'value="Petra Klien"' in row

    url = f"/engagements/{eid}/participants/update"
    fields = {
        "participant_id": pid,
        "name": "Petra Klein",
        "email": "Petra.Klein@Stadtwerke.example",
        "organisation": "Stadtwerke",
        "role": "Energieberatung",
    }
    saved = form(client, url, csrf, **fields)
    assert saved.status_code == 303 and saved.headers["location"].endswith("#participants")
    page = client.get(saved.headers["location"]).text
    assert "Angaben der teilnehmenden Person gespeichert." in page
    person = next(
        p for p in staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants")) if p["id"] == pid
    )
    assert (person["name"], person["email"], person["organisation"], person["role"]) == (
        "Petra Klein",
        "petra.klein@stadtwerke.example",
        "Stadtwerke",
        "Energieberatung",
    )
    # the history says what changed; saving it again unchanged adds nothing
    assert form(client, url, csrf, **fields).status_code == 303
    changes = [
        h["summary_de"]
        for h in staff.ok(staff.get(f"/api/v1/engagements/{eid}/history?kind=change"))
        if (h["subject"], h["action"]) == ("participant", "changed")
    ]
    assert changes == [
        "Teilnehmer/in Petra Klein geändert: Name: Petra Klien → Petra Klein; "
        "E-Mail: petra@example.org → petra.klein@stadtwerke.example; "
        "Organisation: – → Stadtwerke; Rolle: – → Energieberatung"
    ]
    # emptied optional fields are cleared
    form(client, url, csrf, **{**fields, "organisation": "", "role": ""})
    person = staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))[0]
    assert person["organisation"] is None and person["role"] is None

    # another participant's address: 409 in German; the form stays open with what was typed
    taken = form(client, url, csrf, **{**fields, "email": "jonas@example.org"})
    assert taken.status_code == 409
    assert "already a participant" not in taken.text
    assert 'id="page-error"' in taken.text
    row = _row(taken.text, pid)
    assert '<details class="pt-edit" open>' in row and 'value="jonas@example.org"' in row
    assert form(client, url, csrf, **{**fields, "name": "Eve\nBcc"}).status_code == 422
    # someone of another engagement, or nobody
    stranger = staff.participant(staff.engagement()["id"], email="x@example.org")["id"]
    assert form(client, url, csrf, **{**fields, "participant_id": stranger}).status_code == 404
    assert form(client, url, csrf, **{**fields, "participant_id": 99999}).status_code == 404
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))[1]["id"] == other


def test_an_address_without_a_dot_in_its_domain_is_refused_by_browser_and_server(
    client: TestClient, staff: Api
) -> None:
    """The email inputs carry `type=email` and a pattern that wants a dot in the domain;
    the pattern refuses what the server refuses and takes what it takes."""
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    page = client.get(f"/engagements/{eid}").text
    inputs = re.findall(r'<input id="p-email"[^>]*>', page)
    assert len(inputs) == 1 and 'type="email"' in inputs[0] and "required" in inputs[0]
    found = re.search(r'pattern="([^"]+)"', inputs[0])
    assert found
    pattern = re.compile(htmllib.unescape(found.group(1)))  # \uXXXX: the same in JS and Python
    server = re.compile(EMAIL_PATTERN)
    for address in ("max@gemeinde", "max@gemeinde.", "max@gemeinde.d", "max@gemeinde.1de"):
        assert not pattern.fullmatch(address), address
        assert not server.fullmatch(address), address
    for address in ("max@gemeinde.de", "jörg@bücher.de", "a.b+c@rathaus.markt-grünau.de"):
        assert pattern.fullmatch(address), address
        assert server.fullmatch(address), address
    refused = form(
        client, f"/engagements/{eid}/participants", csrf, name="Max", email="max@gemeinde"
    )
    assert refused.status_code == 422
    assert "It should have a period" not in refused.text and "not a valid email" not in refused.text
    assert 'value="max@gemeinde"' in refused.text  # what was typed stays


def test_remove_needs_a_second_explicit_step_that_says_what_goes(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    pid = staff.participant(eid, name="Petra Klein", email="petra@example.org")["id"]
    lone = staff.participant(eid, name="Jonas Becker", email="jonas@example.org")["id"]
    for title in ("Auftaktworkshop", "Zweiter Workshop"):
        wid = staff.workshop(eid, title=title)["id"]
        staff.ok(
            staff.post(f"/api/v1/workshops/{wid}/invitations", json={"participant_ids": [pid]}), 202
        )
    page = client.get(f"/engagements/{eid}").text
    row = _row(page, pid)
    # the remove button is inside a closed <details>: opening it is the first step
    step = re.search(
        r'<details class="pt-remove">\s*<summary>(.*?)</summary>(.*?)</details>', row, re.S
    )
    assert step, row
    assert "Entfernen" in step.group(1)
    assert "Petra Klein wird mit Name und E-Mail-Adresse gelöscht" in step.group(2)
    assert "ihre 2 Einladung(en) mit den Antworten werden gelöscht" in step.group(2)
    assert "Petra Klein endgültig löschen" in step.group(2)
    assert "keine Einladungen" in _row(page, lone)
    assert row.count('action="/engagements/' + str(eid) + '/participants/remove"') == 1

    removed = form(client, f"/engagements/{eid}/participants/remove", csrf, participant_id=pid)
    assert removed.status_code == 303
    assert (
        "Teilnehmende Person und ihre Daten gelöscht."
        in client.get(removed.headers["location"]).text
    )
    left = staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))
    assert [p["id"] for p in left] == [lone]
    workshops = staff.ok(staff.get(f"/api/v1/engagements/{eid}/workshops"))
    assert all(w["invitations"] == [] for w in workshops)


def test_a_final_engagement_has_no_participant_forms_and_refuses_them(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    pid = staff.participant(eid, email="petra@example.org")["id"]
    staff.ok(staff.fire(eid, "reject", note="nicht förderfähig"))
    page = client.get(f"/engagements/{eid}").text
    section = page[page.index('id="participants"') :]
    section = section[: section.index("</section>")]
    assert "<form" not in section and "<details" not in section
    fields = {"participant_id": pid, "name": "Neu", "email": "neu@example.org"}
    for path in ("participants", "participants/update", "participants/remove"):
        refused = form(client, f"/engagements/{eid}/{path}", csrf, **fields)
        assert refused.status_code == 409, (path, refused.text)
    assert [p["email"] for p in staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))] == [
        "petra@example.org"
    ]


def test_a_supervisor_sees_the_people_but_no_forms(
    client: TestClient, staff: Api, supervisor: Api
) -> None:
    eid = staff.engagement()["id"]
    pid = staff.participant(eid)["id"]
    csrf = login(client, supervisor)
    row = _row(client.get(f"/engagements/{eid}").text, pid)
    assert "Petra Klein" in row and "<form" not in row
    refused = form(client, f"/engagements/{eid}/participants/remove", csrf, participant_id=pid)
    assert refused.status_code == 403
