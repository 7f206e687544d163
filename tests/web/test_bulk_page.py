"""Bulk changes from the overview's checkboxes (issue 13): the ticked engagements change
one by one through the API's bulk use cases, each with its own history entry; the page
says what changed, what already was so and what was refused, with the reason in the
page's language; a migration shows its dry run before anything moves."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support import Api, LiveServer
from tests.web.conftest import csrf_of, key_of, login
from tests.web.test_browser import browser, live

__all__ = ["browser", "live"]  # the fixtures, shared with the dashboard's browser tests


def _versions(staff: Api, ids: list[int]) -> dict[str, str]:
    return {f"v_{i}": str(staff.ok(staff.get(f"/api/v1/engagements/{i}"))["version"]) for i in ids}


def _post(client: TestClient, csrf: str, ids: list[int], url: str = "/bulk", **fields: Any) -> Any:
    data: dict[str, Any] = {"csrf_token": csrf, "ids": [str(i) for i in ids]}
    data.update({k: str(v) for k, v in fields.items()})
    return client.post(url, data=data, follow_redirects=False)


def _ids_in(html: str, css_class: str) -> list[int]:
    match = re.search(rf'class="{css_class}">(.*?)</(ul|table)>', html, re.S)
    return [int(i) for i in re.findall(r'data-id="(\d+)"', match.group(1))] if match else []


def test_the_overview_offers_checkboxes_to_staff_only(
    client: TestClient, staff: Api, supervisor: Api
) -> None:
    eid = staff.engagement()["id"]
    login(client, staff)
    html = client.get("/").text
    assert f'name="ids" value="{eid}" form="bulk"' in html
    assert 'action="/bulk"' in html and "Ausgewählte Beratungen ändern" in html
    assert "Auf neue Verfahrensversion umstellen" not in html  # admins only
    client.cookies.clear()
    login(client, supervisor)
    assert 'action="/bulk"' not in client.get("/").text


def test_extending_deadlines_reports_changed_and_refused_in_german(
    client: TestClient, staff: Api
) -> None:
    running = [staff.engagement(municipality=f"Gemeinde {n}")["id"] for n in ("Ahorn", "Birke")]
    final = staff.engagement(municipality="Gemeinde Eiche")["id"]
    staff.ok(staff.fire(final, "withdraw"))
    ids = [*running, final]
    before = {i: staff.ok(staff.get(f"/api/v1/engagements/{i}"))["stage_due_at"] for i in running}
    csrf = login(client, staff)
    page = _post(
        client,
        csrf,
        ids,
        action="extend",
        extend_working_days=5,
        reason="Landesweite Verlängerung",
        **_versions(staff, ids),
    )
    assert page.status_code == 200, page.text
    html = page.text
    assert "Ergebnis der Sammeländerung" in html and "Geändert (2)" in html
    assert _ids_in(html, "bulk-changed") == running
    refused = re.search(rf'<tr data-id="{final}">(.*?)</tr>', html, re.S)
    assert refused and "Endphase „Zurückgezogen“" in refused.group(1)
    assert "final state" not in html
    for eid in running:
        after = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
        assert after["stage_due_at"] > before[eid]
        history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
        assert [h["note"] for h in history if h["action"] == "deadline"] == [
            "Landesweite Verlängerung"
        ]


def test_a_change_made_meanwhile_is_refused_not_overwritten(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    seen = _versions(staff, [eid])
    staff.ok(staff.patch(f"/api/v1/engagements/{eid}", json={"owner": "Sabine Berg"}))
    csrf = login(client, staff)
    html = _post(client, csrf, [eid], action="owner", owner="Lena Vogel", **seen).text
    assert "Nicht geändert (1)" in html
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["owner"] == "Sabine Berg"


def test_owner_handover_and_english(client: TestClient, staff: Api) -> None:
    ids = [staff.engagement(owner="Lena Vogel")["id"] for _ in range(2)]
    csrf = login(client, staff)
    html = _post(client, csrf, ids, url="/bulk?lang=en", action="owner", owner="Tom Berger").text
    assert "Result of the bulk change" in html and "Changed (2)" in html
    assert [staff.ok(staff.get(f"/api/v1/engagements/{i}"))["owner"] for i in ids] == [
        "Tom Berger",
        "Tom Berger",
    ]


def test_nothing_ticked_or_no_reason_is_said_in_german(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    csrf = login(client, staff)
    none = _post(client, csrf, [], action="extend", extend_working_days=5, reason="x")
    assert none.status_code == 422 and "mindestens eine Beratung" in none.text
    no_reason = _post(client, csrf, [eid], action="extend", extend_working_days=5, reason="")
    assert no_reason.status_code == 422 and "Begründung" in no_reason.text
    odd = _post(client, csrf, [eid], action="explode")
    assert odd.status_code == 422 and "was mit der Auswahl geschehen soll" in odd.text
    forged = client.post("/bulk", data={"csrf_token": "x", "ids": str(eid), "action": "owner"})
    assert forged.status_code == 403


def test_staff_may_not_migrate(client: TestClient, staff: Api) -> None:
    eid = staff.engagement()["id"]
    csrf = login(client, staff)
    page = _post(client, csrf, [eid], action="migrate", target="fokusberatung:2")
    assert page.status_code == 403
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["process_version"] == 1


def test_migration_shows_the_dry_run_first_then_moves(client: TestClient, admin: Api) -> None:
    old = [admin.engagement(municipality=f"Alt {n}")["id"] for n in range(2)]
    current = admin.engagement(municipality="Neu", process_version=2)["id"]
    csrf = login(client, admin)
    assert "Auf neue Verfahrensversion umstellen" in client.get("/").text
    dry = _post(client, csrf, [*old, current], action="migrate", target="fokusberatung:2")
    assert dry.status_code == 200, dry.text
    assert "Probelauf" in dry.text and "Würden umgestellt (2)" in dry.text
    assert "bereits in Version 2" in dry.text
    assert [admin.ok(admin.get(f"/api/v1/engagements/{i}"))["process_version"] for i in old] == [
        1,
        1,
    ]
    confirm = re.search(r'<form method="post" action="/bulk".*?</form>', dry.text, re.S)
    assert confirm
    fields: dict[str, Any] = {}
    for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"', confirm.group(0)):
        fields.setdefault(name, []).append(value)
    done = client.post("/bulk", data=fields)
    assert "Ergebnis der Sammeländerung" in done.text and "Geändert (2)" in done.text
    assert [admin.ok(admin.get(f"/api/v1/engagements/{i}"))["process_version"] for i in old] == [
        2,
        2,
    ]
    assert csrf_of(done.text)


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_select_all_and_hand_over_in_the_browser(
    browser: Any, live: LiveServer, staff: Api
) -> None:
    ids = [staff.engagement(municipality=f"Gemeinde {n}")["id"] for n in ("Ahorn", "Birke")]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page.goto(live.url + "/login")
    page.get_by_label("API-Schlüssel").fill(key_of(staff))
    page.get_by_role("button", name="Mit Schlüssel anmelden").click()
    page.wait_for_url(live.url + "/")
    page.get_by_label("Alle auf dieser Seite auswählen").check()
    assert page.locator('input[name="ids"]:checked').count() == 2
    page.get_by_label("Zuständigkeit übertragen").check()
    page.get_by_label("Neue Zuständigkeit (leer: niemand)").fill("Tom Berger")
    page.get_by_role("button", name="Für die Auswahl ausführen").click()
    page.get_by_role("heading", name="Ergebnis der Sammeländerung").wait_for()
    assert page.get_by_role("heading", name="Geändert (2)").is_visible()
    page.close()
    assert [staff.ok(staff.get(f"/api/v1/engagements/{i}"))["owner"] for i in ids] == [
        "Tom Berger",
        "Tom Berger",
    ]
