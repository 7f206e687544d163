"""The municipality's view (CONTRACT "People and access"): `POST .../portal-link` mails
the contact person a link to `/portal/{token}`, a read-only page of the engagement
(stage, deadline, workshops, measures, milestones) in German or English, valid 30 days
by the service's clock, revocable; unknown, expired and revoked links are the same 404."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import col

from service.core.clock import MovableClock
from service.core.context import Context
from service.portal.models import PortalLink
from tests.mail.conftest import parts
from tests.portal.conftest import Send, portal_letters, portal_path
from tests.records.programme import grant, v2_engagement
from tests.support import Api, SmtpSink

PEOPLE = ("Anna Schmidt", "anna.schmidt@example.org", "Petra Klein", "petra.", "Jonas Berger")


def _engagement(staff: Api, **extra: object) -> int:
    eid = int(staff.engagement(municipality="Markt Grünau", owner="Lena Vogel", **extra)["id"])
    staff.participant(eid, name="Petra Klein")
    staff.workshop(eid, title="Auftaktworkshop", location="Rathaus, Sitzungssaal")
    staff.measure(eid, title="LED-Straßenbeleuchtung", responsible="Jonas Berger")
    # a title that names people must not name them on the page
    staff.measure(eid, title="Radwege mit Petra Klein (anna.schmidt@example.org)")
    return eid


def _mailed(staff: Api, send: Send, sink: SmtpSink, eid: int, count: int = 1) -> str:
    """Creates a link and returns the path mailed to the contact person."""
    created = staff.created(staff.post(f"/api/v1/engagements/{eid}/portal-link"))
    assert set(created) == {"id", "expires_at", "url"}
    send()
    message = portal_letters(sink, count)[count - 1]
    assert message["To"].addresses[0].addr_spec == "anna.schmidt@example.org"
    path = portal_path(message)
    assert created["url"] == "http://fokus.example" + path
    return path


def test_the_contact_person_gets_a_link_to_a_read_only_page_in_german(
    staff: Api, client: TestClient, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = _engagement(staff)
    path = _mailed(staff, send, smtp_sink, eid)
    message = portal_letters(smtp_sink, 1)[0]
    text = parts(message)["text"]
    assert message["Subject"] == "Markt Grünau: Ihr Zugang zum Stand der Fokusberatung"
    assert text.startswith("Guten Tag Anna Schmidt,")
    assert "für den Markt Grünau" in text
    assert "Der Link gilt bis zum 01.04.2026." in text  # 30 days after 2 March

    page = client.get(path)
    assert page.status_code == 200
    html = page.text
    assert "Stand der Beratung: Markt Grünau" in html
    assert "Antrag" in html  # the stage (version 1 starts in "Antrag")
    assert "Auftaktworkshop" in html and "Rathaus, Sitzungssaal" in html
    assert "Dienstag, 10. März 2026" in html
    assert "LED-Straßenbeleuchtung" in html and "geplant" in html
    assert "<form" not in html.split("<main", 1)[1]
    for person in PEOPLE:
        assert person not in html, person
    assert "Lena Vogel" in html  # the owner: whom to ask
    assert 'content="noindex' in html
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in page.headers["x-robots-tag"]
    assert 'href="https://agentur.example/datenschutz"' in html
    assert 'href="https://agentur.example/impressum"' in html


def test_the_page_speaks_english_when_asked(
    staff: Api, client: TestClient, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = _engagement(staff)
    path = _mailed(staff, send, smtp_sink, eid)
    english = client.get(path, params={"lang": "en"})
    assert "Progress of the consultation: Markt Grünau" in english.text
    assert "Tuesday, 10 March 2026" in english.text and "planned" in english.text
    client.cookies.clear()
    by_browser = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"})
    assert "Next deadline" in by_browser.text
    client.cookies.clear()
    german = client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert "Nächste Frist" in german.text
    as_json = client.get(path + ".json", params={"lang": "en"})
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["municipality"] == "Markt Grünau" and body["language"] == "en"
    assert [m["status"] for m in body["measures"]] == ["planned", "planned"]
    for person in PEOPLE:
        assert person not in as_json.text, person


def test_an_english_engagement_gets_an_english_letter(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = _engagement(staff, language="en")
    _mailed(staff, send, smtp_sink, eid)
    text = parts(portal_letters(smtp_sink, 1)[0])["text"]
    assert text.startswith("Dear Anna Schmidt,")
    assert "valid until 1 April 2026" in text


def test_a_link_ends_after_30_days_by_the_service_clock(
    staff: Api, client: TestClient, send: Send, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    path = _mailed(staff, send, smtp_sink, _engagement(staff))
    clock.advance(timedelta(days=30) - timedelta(minutes=1))
    assert client.get(path).status_code == 200
    clock.advance(timedelta(minutes=2))
    gone = client.get(path)
    assert gone.status_code == 404
    assert "Diesen Zugang gibt es nicht (mehr)" in gone.text
    assert client.get(path + ".json").status_code == 404


def test_revoking_ends_the_link_at_once_and_is_recorded(
    staff: Api, client: TestClient, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = _engagement(staff)
    path = _mailed(staff, send, smtp_sink, eid)
    second = _mailed(staff, send, smtp_sink, eid, count=2)
    listed = staff.ok(staff.get(f"/api/v1/engagements/{eid}/portal-links"))
    assert [link["active"] for link in listed] == [True, True]
    assert all("token" not in str(link) and "prt_" not in str(link) for link in listed)
    first_id = listed[1]["id"]

    assert staff.delete(f"/api/v1/engagements/{eid}/portal-links/{first_id}").status_code == 204
    assert staff.delete(f"/api/v1/engagements/{eid}/portal-links/{first_id}").status_code == 204
    assert client.get(path).status_code == 404
    assert client.get(second).status_code == 200  # the other link stays
    listed = staff.ok(staff.get(f"/api/v1/engagements/{eid}/portal-links"))
    assert [link["active"] for link in listed] == [True, False]

    missing = staff.delete(f"/api/v1/engagements/{eid}/portal-links/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "portal_link_not_found"
    other = staff.engagement()["id"]
    not_its = staff.delete(f"/api/v1/engagements/{other}/portal-links/{listed[0]['id']}")
    assert not_its.status_code == 404
    assert client.get(second).status_code == 200

    summaries = [h["summary_de"] for h in staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))]
    assert summaries.count("Zugang für die Kommune gesendet (gültig bis 01.04.2026)") == 2
    assert summaries.count("Zugang für die Kommune widerrufen") == 1


def test_only_the_hash_of_the_token_is_stored(
    staff: Api, ctx: Context, send: Send, smtp_sink: SmtpSink
) -> None:
    path = _mailed(staff, send, smtp_sink, _engagement(staff))
    token = path.rsplit("/", 1)[1]
    with ctx.db.read() as session:
        stored = session.execute(select(col(PortalLink.token_hash))).scalars().all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_who_may_send_and_what_is_refused(staff: Api, supervisor: Api, client: TestClient) -> None:
    eid = staff.engagement()["id"]
    refused = supervisor.post(f"/api/v1/engagements/{eid}/portal-link")
    assert refused.status_code == 403
    assert supervisor.ok(supervisor.get(f"/api/v1/engagements/{eid}/portal-links")) == []
    assert client.post(f"/api/v1/engagements/{eid}/portal-link").status_code == 401
    assert staff.post("/api/v1/engagements/999999/portal-link").status_code == 404
    staff.ok(staff.fire(eid, "reject"))
    final = staff.post(f"/api/v1/engagements/{eid}/portal-link")
    assert final.status_code == 409 and final.json()["code"] == "portal_final"


@pytest.mark.parametrize(
    "token",
    [
        "unbekannt",
        "prt_" + "A" * 43,
        "prt_" + "x" * 5000,
        "%F0%9F%92%A9",
        "prt_%00",
        "prt_a%20b%3Cscript%3E",
    ],
)
def test_no_token_says_which_links_exist_and_none_is_a_500(client: TestClient, token: str) -> None:
    page = client.get(f"/portal/{token}")
    assert page.status_code == 404, page.text
    assert "Zugang nicht gefunden" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert client.get(f"/portal/{token}.json").status_code == 404


def test_milestones_show_their_status_and_due_date(
    staff: Api, client: TestClient, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = v2_engagement(staff, municipality="Markt Grünau")["id"]
    grant(staff, eid)
    staff.ok(staff.fire(eid, "approve"))  # the funding period starts: milestones are dated
    path = _mailed(staff, send, smtp_sink, eid)
    expected = staff.ok(staff.get(f"/api/v1/engagements/{eid}/milestones"))
    body = client.get(path + ".json").json()
    assert [m["name"] for m in body["milestones"]] == [m["name"] for m in expected]
    assert {m["status"] for m in body["milestones"]} == {"open"}
    page = client.get(path).text
    for milestone in expected:
        assert milestone["label_de"] in page
        if milestone["due_at"]:
            assert datetime.fromisoformat(milestone["due_at"]).strftime("%d.%m.%Y") in page
    english = client.get(path, params={"lang": "en"}).text
    assert expected[0]["label_en"] in english and ">open<" in english
