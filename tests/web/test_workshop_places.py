"""Agenda, places, the waiting list and the weekend/holiday warning on the engagement
page (issue 15), over HTTP with the session cookie: a workshop planned with places and
an agenda, the warning shown after saving one on a holiday of the federal state (German
page, English page), who waits at which place, and a bad number of places refused with
the form open again."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.core.context import Context
from tests.support import Api
from tests.web.conftest import form, login
from tests.web.test_workshop_forms import _answer, _section


def _workshop_id(html: str, title: str) -> int:
    match = re.search(rf'<li data-workshop="(\d+)"[^>]*>\s*<h3[^>]*>{re.escape(title)}', html)
    assert match, f"{title} not on the page"
    return int(match.group(1))


def test_a_workshop_on_a_holiday_is_saved_and_the_page_warns(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement(federal_state="BY")["id"]
    saved = form(
        client,
        f"/engagements/{eid}/workshops",
        csrf,
        title="Ideenwerkstatt",
        starts_at="2026-06-04T10:00",  # Fronleichnam, a holiday in Bavaria
        ends_at="2026-06-04T13:00",
        location="Bürgerhaus",
        capacity="20",
        agenda="1. Begrüßung\r\n2. Ideen sammeln",
    )
    assert saved.status_code == 303, saved.text
    html = client.get(saved.headers["location"]).text
    wid = _workshop_id(html, "Ideenwerkstatt")
    section = _section(html, wid)
    assert (
        '<p class="alert info ws-warning" role="note">Der Workshop fällt auf einen Feiertag in '
        "Bayern: Fronleichnam (04.06.2026)." in section
    )
    assert "0 von 20 Plätzen vergeben" in section
    assert "1. Begrüßung<br>2. Ideen sammeln" in section
    workshop = staff.ok(staff.get(f"/api/v1/workshops/{wid}"))
    assert workshop["capacity"] == 20 and workshop["agenda"] == "1. Begrüßung\n2. Ideen sammeln"
    english = _section(client.get(f"/engagements/{eid}?lang=en").text, wid)
    assert "The workshop falls on a public holiday in Bayern: Fronleichnam" in english
    assert "0 of 20 places taken" in english


def test_no_warning_on_a_weekday_and_places_can_be_removed(client: TestClient, staff: Api) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    wid = staff.workshop(eid, capacity=5)["id"]  # Tuesday 10 March 2026
    section = _section(client.get(f"/engagements/{eid}").text, wid)
    assert "ws-warning" not in section and "0 von 5 Plätzen vergeben" in section
    changed = form(
        client,
        f"/engagements/{eid}/workshops/update",
        csrf,
        workshop_id=wid,
        title="Auftaktworkshop",
        starts_at="2026-03-14T10:00",  # a Saturday
        ends_at="2026-03-14T12:00",
        location="Rathaus, Sitzungssaal",
        capacity="",
        agenda="",
    )
    assert changed.status_code == 303, changed.text
    section = _section(client.get(changed.headers["location"]).text, wid)
    assert "Der Workshop fällt auf einen Samstag (14.03.2026)." in section
    assert "Plätzen vergeben" not in section
    assert staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["capacity"] is None


def test_the_invitees_table_shows_the_waiting_list_in_order(
    client: TestClient, staff: Api, ctx: Context
) -> None:
    login(client, staff)
    eid = staff.engagement()["id"]
    for name, address in (("Petra Klein", "petra"), ("Jonas Becker", "jonas"), ("Ada Roth", "ada")):
        staff.participant(eid, name=name, email=f"{address}@example.org")
    wid = staff.workshop(eid, capacity=1)["id"]
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    for address in ("petra", "ada", "jonas"):
        _answer(staff, ctx, f"{address}@example.org", "accepted")
    section = _section(client.get(f"/engagements/{eid}").text, wid)
    assert "1 von 1 Plätzen vergeben" in section
    rows = re.findall(
        r'<tr data-rsvp="(\w+)"><th scope="row">([^<]+)</th>\s*<td>(.*?)</td>', section, re.S
    )
    shown = {name: re.sub(r"<[^>]+>", "", cell).strip() for _, name, cell in rows}
    assert shown == {
        "Petra Klein": "zugesagt",
        "Jonas Becker": "Warteliste, Platz 2",
        "Ada Roth": "Warteliste, Platz 1",
    }


def test_a_bad_number_of_places_is_refused_with_the_form_open(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    for bad in ("0", "drei", "10001"):
        refused = form(
            client,
            f"/engagements/{eid}/workshops",
            csrf,
            title="Ideenwerkstatt",
            starts_at="2026-03-10T10:00",
            ends_at="2026-03-10T12:00",
            location="Bürgerhaus",
            capacity=bad,
        )
        assert refused.status_code == 422, (bad, refused.status_code)
        assert "Plätze" in refused.text
        assert re.search(rf'<input id="w-cap" name="capacity"[^>]* value="{bad}">', refused.text)
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/workshops")) == []
