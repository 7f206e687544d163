"""The participant forms of the engagement page take the salutation the letters open
with (issue 15): none, Frau or Herr, in German and English words; the history names the
change in words."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support import Api
from tests.web.conftest import form, login


def _salutation(staff: Api, eid: int, pid: int) -> str | None:
    people = staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))
    value: str | None = next(p for p in people if p["id"] == pid)["salutation"]
    return value


def test_add_and_correct_a_participants_salutation_on_the_page(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    page = client.get(f"/engagements/{eid}").text
    select = re.search(r'<select id="p-salutation" name="salutation">.*?</select>', page, re.S)
    assert select, "no salutation field in the add form"
    assert '<label for="p-salutation">Anrede</label>' in page
    assert [o for o in re.findall(r'<option value="([^"]*)"', select.group(0))] == [
        "",
        "frau",
        "herr",
    ]

    added = form(
        client,
        f"/engagements/{eid}/participants",
        csrf,
        name="Petra Klein",
        email="petra@example.org",
        salutation="frau",
    )
    assert added.status_code == 303
    (person,) = staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))
    assert person["salutation"] == "frau"
    row = client.get(f"/engagements/{eid}").text
    assert re.search(
        rf'<select id="p-salutation-{person["id"]}" name="salutation">.*?'
        r'<option value="frau" selected>Frau</option>',
        row,
        re.S,
    )

    fields = {"participant_id": person["id"], "name": "Petra Klein", "email": "petra@example.org"}
    url = f"/engagements/{eid}/participants/update"
    assert form(client, url, csrf, **fields, salutation="herr").status_code == 303
    assert _salutation(staff, eid, person["id"]) == "herr"
    assert form(client, url, csrf, **fields, salutation="").status_code == 303
    assert _salutation(staff, eid, person["id"]) is None
    summaries = [
        h["summary_de"]
        for h in staff.ok(staff.get(f"/api/v1/engagements/{eid}/history?kind=change"))
        if (h["subject"], h["action"]) == ("participant", "changed")
    ]
    assert any("Anrede: Frau → Herr" in s for s in summaries), summaries

    refused = form(client, url, csrf, **fields, salutation="divers")
    assert refused.status_code == 422 and "Anrede:" in refused.text
    assert _salutation(staff, eid, person["id"]) is None


def test_the_english_page_names_the_salutation_in_english(client: TestClient, staff: Api) -> None:
    login(client, staff)
    eid = staff.engagement()["id"]
    page = client.get(f"/engagements/{eid}?lang=en").text
    assert '<label for="p-salutation">Form of address</label>' in page
    assert ">Ms (Frau)</option>" in page and ">Mr (Herr)</option>" in page
