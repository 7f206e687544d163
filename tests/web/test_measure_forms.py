"""The measure part of the engagement page, over HTTP with the session cookie: each
measure's details (description, responsible person, planned and actual dates), editing
them, status and progress as before, German refusals, nothing on a final engagement."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support import Api
from tests.web.conftest import form, login


def _details(page: str, mid: int) -> str:
    match = re.search(rf'<tr class="ms-more" data-measure-details="{mid}">.*?</tr>', page, re.S)
    assert match, f"measure {mid} has no details on the page"
    return match.group(0)


def test_details_show_what_the_api_holds(client: TestClient, staff: Api) -> None:
    login(client, staff)
    eid = staff.engagement()["id"]
    mid = staff.measure(
        eid,
        title="LED-Straßenbeleuchtung",
        action_area="street_lighting",
        description="Umrüstung von 420 Leuchten auf LED",
        responsible="Bauamt, Herr Weber",
        planned_start="2026-05-01",
        planned_end="2026-10-31",
    )["id"]
    bare = staff.measure(eid, title="Wärmeplanung", action_area="heat")["id"]
    page = client.get(f"/engagements/{eid}").text
    shown = _details(page, mid)
    assert "Umrüstung von 420 Leuchten auf LED" in shown
    assert "Bauamt, Herr Weber" in shown
    planned = '<time datetime="2026-05-01">01.05.2026</time> – <time datetime="2026-10-31">'
    assert planned + "31.10.2026</time>" in shown
    assert "noch nicht begonnen" in shown
    assert "Umrüstung" not in _details(page, bare)

    staff.ok(staff.patch(f"/api/v1/measures/{mid}", json={"status": "in_progress"}))
    shown = _details(client.get(f"/engagements/{eid}").text, mid)
    assert "Begonnen am" in shown and '<time datetime="2026-03-02">02.03.2026</time>' in shown


def test_edit_the_details_and_keep_status_and_progress(client: TestClient, staff: Api) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    mid = staff.measure(eid, title="LED", action_area="municipal_buildings")["id"]
    staff.ok(
        staff.patch(
            f"/api/v1/measures/{mid}", json={"status": "in_progress", "progress_percent": 30}
        )
    )
    url = f"/engagements/{eid}/measures/details"
    fields = {
        "measure_id": mid,
        "details": "1",
        "title": "LED-Straßenbeleuchtung",
        "action_area": "street_lighting",
        "description": "Umrüstung\nin zwei Bauabschnitten",
        "responsible": "Bauamt",
        "planned_start": "2026-05-01",
        "planned_end": "2026-10-31",
    }
    saved = form(client, url, csrf, **fields)
    assert saved.status_code == 303 and saved.headers["location"].endswith("#measures")
    assert "Maßnahme gespeichert." in client.get(saved.headers["location"]).text
    measure = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]
    fields_shown = ("title", "action_area", "description", "responsible", "planned_start")
    assert {
        k: measure[k] for k in (*fields_shown, "planned_end", "status", "progress_percent")
    } == {
        "title": "LED-Straßenbeleuchtung",
        "action_area": "street_lighting",
        "description": "Umrüstung\nin zwei Bauabschnitten",
        "responsible": "Bauamt",
        "planned_start": "2026-05-01",
        "planned_end": "2026-10-31",
        "status": "in_progress",
        "progress_percent": 30,
    }
    assert measure["started_at"] is not None
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history?kind=change"))
    [changed] = [h for h in history if "Titel" in h["summary_de"]]
    assert changed["summary_de"].startswith("Maßnahme „LED“: Titel: LED → LED-Straßenbeleuchtung")
    assert "Geplantes Ende: – → 31.10.2026" in changed["summary_de"]
    assert "Status" not in changed["summary_de"]  # status and progress stay

    # emptied fields are cleared
    form(client, url, csrf, **{**fields, "description": "", "planned_start": "", "planned_end": ""})
    measure = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]
    assert (measure["description"], measure["planned_start"], measure["planned_end"]) == (
        None,
        None,
        None,
    )

    # refusals in German, the details open again with what was typed
    late = form(client, url, csrf, **{**fields, "planned_end": "2026-04-01"})
    assert late.status_code == 422
    assert "planned_end must not be before" not in late.text
    shown = _details(late.text, mid)
    assert '<details class="ms-details" open>' in shown and 'value="2026-04-01"' in shown
    assert form(client, url, csrf, **{**fields, "action_area": "moon"}).status_code == 422
    assert form(client, url, csrf, **{**fields, "planned_start": "2026-02-30"}).status_code == 422
    assert form(client, url, csrf, **{**fields, "title": ""}).status_code == 422
    other = staff.engagement()["id"]
    assert form(client, f"/engagements/{other}/measures/details", csrf, **fields).status_code == 404
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]["responsible"] == "Bauamt"


def test_status_and_progress_as_before_with_a_german_refusal(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    mid = staff.measure(eid)["id"]
    url = f"/engagements/{eid}/measures/update"
    assert form(client, url, csrf, measure_id=mid, status="completed").status_code == 303
    measure = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]
    assert (measure["status"], measure["progress_percent"]) == ("completed", 100)
    too_much = form(client, url, csrf, measure_id=mid, progress_percent=101)
    assert too_much.status_code == 422
    assert "Input should be less than or equal to 100" not in too_much.text


def test_a_final_engagement_shows_details_but_no_measure_forms(
    client: TestClient, staff: Api
) -> None:
    csrf = login(client, staff)
    eid = staff.engagement()["id"]
    mid = staff.measure(eid, description="Bleibt sichtbar")["id"]
    staff.ok(staff.fire(eid, "withdraw", note="zurückgezogen"))
    page = client.get(f"/engagements/{eid}").text
    section = page[page.index('id="measures"') :]
    section = section[: section.index("</section>")]
    assert "<form" not in section
    assert "Bleibt sichtbar" in _details(page, mid)
    for path, fields in (
        ("measures", {"title": "Neu", "action_area": "other"}),
        ("measures/update", {"measure_id": mid, "status": "failed"}),
        ("measures/details", {"measure_id": mid, "title": "X", "action_area": "other"}),
    ):
        refused = form(client, f"/engagements/{eid}/{path}", csrf, **fields)
        assert refused.status_code == 409, (path, refused.text)
    measure = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]
    assert (measure["title"], measure["status"]) == ("LED-Straßenbeleuchtung", "planned")
