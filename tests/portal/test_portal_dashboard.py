"""The engagement page's "Zugang für die Kommune": staff send the contact person a
portal link with one button (CSRF-checked, writers only) and see the links that open the
page now, each with "Widerrufen"; a supervisor and a final engagement get no form."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.portal.conftest import Send, portal_letters, portal_path
from tests.support import Api, SmtpSink
from tests.web.conftest import csrf_of, form, login


def test_staff_send_the_link_from_the_page_and_revoke_it(
    client: TestClient, staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    eid = staff.engagement(municipality="Markt Grünau")["id"]
    login(client, staff)
    page = client.get(f"/engagements/{eid}").text
    assert "Zugang für die Kommune senden" in page
    assert "Kein gültiger Zugang." in page

    refused = form(client, f"/engagements/{eid}/portal-link", "falsch")
    assert refused.status_code == 403
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}/portal-links")) == []

    sent = form(client, f"/engagements/{eid}/portal-link", csrf_of(page))
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/engagements/{eid}?msg=portal_sent#portal"
    send()
    path = portal_path(portal_letters(smtp_sink, 1)[0])
    assert client.get(path).status_code == 200

    shown = client.get(sent.headers["location"]).text
    assert "Der Zugang für die Kommune ist gesendet." in shown
    assert "an anna.schmidt@example.org, gesendet am 02.03.2026" in shown
    assert "gültig bis 01.04.2026" in shown
    [link] = staff.ok(staff.get(f"/api/v1/engagements/{eid}/portal-links"))
    assert f'name="link_id" value="{link["id"]}"' in shown

    revoked = form(
        client, f"/engagements/{eid}/portal-links/revoke", csrf_of(shown), link_id=link["id"]
    )
    assert revoked.status_code == 303
    assert "Der Zugang ist widerrufen." in client.get(revoked.headers["location"]).text
    assert client.get(path).status_code == 404
    unknown = form(client, f"/engagements/{eid}/portal-links/revoke", csrf_of(shown), link_id="x")
    assert unknown.status_code == 404


def test_no_form_for_a_supervisor_or_on_a_final_engagement(
    client: TestClient, staff: Api, supervisor: Api
) -> None:
    eid = staff.engagement()["id"]
    staff.created(staff.post(f"/api/v1/engagements/{eid}/portal-link"))
    login(client, supervisor)
    page = client.get(f"/engagements/{eid}").text
    assert "an anna.schmidt@example.org" in page  # the link is listed
    assert f'action="/engagements/{eid}/portal-link' not in page
    refused = form(client, f"/engagements/{eid}/portal-link", csrf_of(page))
    assert refused.status_code == 403

    staff.ok(staff.fire(eid, "reject"))
    login(client, staff)
    page = client.get(f"/engagements/{eid}").text
    assert f'action="/engagements/{eid}/portal-link' not in page
    assert "Abgeschlossene Beratungen bekommen keinen neuen Zugang" in page
    closed = form(client, f"/engagements/{eid}/portal-link", csrf_of(page))
    assert closed.status_code == 409
    assert "kann nicht mehr geändert werden" in closed.text
