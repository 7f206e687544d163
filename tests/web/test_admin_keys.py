"""Issue 12: `/admin/keys`, API keys in the browser for admins: list, create (the secret
shown once, and it works against the API), revoke after a confirmation (it stops
working), and nobody else may."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support import Api, LiveServer
from tests.web.conftest import csrf_of, form, key_of, login
from tests.web.pages.site import browser

__all__ = ["browser"]  # the module fixture the browser test uses

_SECRET = re.compile(r'id="secret"[^>]* value="(fok_[^"]+)"')


def test_admin_lists_creates_and_revokes(client: TestClient, admin: Api, staff: Api) -> None:
    csrf = login(client, admin)
    assert 'href="/admin/keys"' in client.get("/").text  # in the nav, for admins
    page = client.get("/admin/keys")
    assert page.status_code == 200
    assert "API-Schlüssel" in page.text
    assert "Lena Vogel" in page.text and "Adam Admin" in page.text  # every key, by name
    assert "Programmteam" in page.text and "Administration" in page.text  # roles in German

    created = form(client, "/admin/keys", csrf, name="Jonas Becker", role="staff")
    assert created.status_code == 201
    match = _SECRET.search(created.text)
    assert match, created.text
    secret = match.group(1)
    assert "nur dieses eine Mal angezeigt" in created.text
    assert created.headers["cache-control"] == "no-store"

    # the key works against the API, as Jonas Becker
    jonas = Api(client, secret)
    eid = jonas.engagement()["id"]
    assert jonas.ok(jonas.fire(eid, "reject", note="zurückgezogen"))["state"] == "rejected"

    # the list shows it afterwards, but never its secret
    listing = client.get("/admin/keys").text
    assert "Jonas Becker" in listing and secret not in listing and secret[:10] in listing
    key_id = next(
        k["id"] for k in admin.ok(admin.get("/api/v1/api-keys")) if k["name"] == "Jonas Becker"
    )

    # revoking asks first (a page of its own, no JavaScript), then revokes
    confirm = client.get(f"/admin/keys/{key_id}/revoke")
    assert confirm.status_code == 200
    assert "Den Schlüssel von Jonas Becker (Programmteam) widerrufen?" in confirm.text
    assert jonas.get("/api/v1/engagements").status_code == 200  # asking changed nothing
    done = form(client, f"/admin/keys/{key_id}/revoke", csrf_of(confirm.text))
    assert done.status_code == 303 and done.headers["location"] == "/admin/keys?msg=revoked"
    assert jonas.get("/api/v1/engagements").status_code == 401
    after = client.get("/admin/keys?msg=revoked").text
    assert "Schlüssel widerrufen." in after and "widerrufen am" in after
    revoked = next(k for k in admin.ok(admin.get("/api/v1/api-keys")) if k["id"] == key_id)
    assert revoked["revoked_at"] is not None


def test_a_refused_name_is_said_in_german_and_kept(client: TestClient, admin: Api) -> None:
    csrf = login(client, admin)
    refused = form(client, "/admin/keys", csrf, name="", role="staff")
    assert refused.status_code == 422
    assert "Bitte einen Namen in einer Zeile angeben" in refused.text
    refused = form(client, "/admin/keys", csrf, name="Eva", role="owner")
    assert refused.status_code == 422
    assert "Bitte eine der Rollen wählen." in refused.text and 'value="Eva"' in refused.text
    assert not re.search(r"fok_[A-Za-z0-9_-]{20,}", refused.text)  # no secret shown
    assert len(admin.ok(admin.get("/api/v1/api-keys"))) == 1


def test_revoking_a_key_ends_its_dashboard_session(
    client: TestClient, admin: Api, staff: Api, app: FastAPI
) -> None:
    with TestClient(app) as other:
        login(other, staff)
        assert other.get("/", follow_redirects=False).status_code == 200
        csrf = login(client, admin)
        staff_id = next(
            k["id"] for k in admin.ok(admin.get("/api/v1/api-keys")) if k["name"] == "Lena Vogel"
        )
        assert form(client, f"/admin/keys/{staff_id}/revoke", csrf).status_code == 303
        assert other.get("/", follow_redirects=False).headers["location"] == "/login"


def test_only_admins(client: TestClient, staff: Api, supervisor: Api, admin: Api) -> None:
    assert client.get("/admin/keys", follow_redirects=False).headers["location"] == "/login"
    for who in (staff, supervisor):
        csrf = login(client, who)
        assert 'href="/admin/keys"' not in client.get("/").text
        page = client.get("/admin/keys")
        assert page.status_code == 403 and "Das darf Ihre Rolle nicht." in page.text
        assert client.get("/admin/keys/1/revoke").status_code == 403
        attempt = form(client, "/admin/keys", csrf, name="Mallory", role="admin")
        assert attempt.status_code == 403 and "Das darf Ihre Rolle nicht." in attempt.text
        assert form(client, "/admin/keys/1/revoke", csrf).status_code == 403
    assert all(k["revoked_at"] is None for k in admin.ok(admin.get("/api/v1/api-keys")))
    assert "Mallory" not in str(admin.ok(admin.get("/api/v1/api-keys")))


def test_csrf_and_odd_ids(client: TestClient, admin: Api) -> None:
    csrf = login(client, admin)
    assert form(client, "/admin/keys", "forged", name="Eva", role="staff").status_code == 403
    assert form(client, "/admin/keys/1/revoke", "forged").status_code == 403
    assert admin.get("/api/v1/engagements").status_code == 200  # key 1 is the admin's
    for path in ("999999", "abc", "0", str(2**63)):
        assert client.get(f"/admin/keys/{path}/revoke").status_code == 404
        assert form(client, f"/admin/keys/{path}/revoke", csrf).status_code == 404


@pytest.fixture
def live(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_in_the_browser_copy_then_revoke(browser: Any, live: LiveServer, admin: Api) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page = context.new_page()
    page.goto(live.url + "/login")
    page.fill("#api_key", key_of(admin))
    page.press("#api_key", "Enter")
    page.wait_for_url(live.url + "/")
    page.get_by_role("link", name="Schlüssel", exact=True).click()
    page.get_by_label("Name der Person oder des Programms").fill("Jonas Becker")
    page.get_by_label("Rolle").select_option("supervisor")
    page.get_by_role("button", name="Schlüssel anlegen").click()
    secret = page.locator("#secret").input_value()
    assert secret.startswith("fok_")
    page.get_by_role("button", name="Schlüssel kopieren").click()
    page.get_by_role("button", name="Kopiert").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert Api(admin.client, secret).get("/api/v1/engagements").status_code == 200

    page.goto(live.url + "/admin/keys")  # the list: the secret is not shown again
    assert secret not in page.content()
    row = page.locator("tr", has_text="Jonas Becker")
    row.get_by_role("link", name="Widerrufen").click()
    page.get_by_role("button", name="Ja, widerrufen").click()
    page.wait_for_url(re.compile(r"msg=revoked"))
    assert "Schlüssel widerrufen." in page.get_by_role("status").inner_text()
    assert "widerrufen am" in page.locator("tr", has_text="Jonas Becker").inner_text()
    assert Api(admin.client, secret).get("/api/v1/engagements").status_code == 401
    context.close()


def test_revoking_ones_own_or_the_last_admin_key_warns_first(
    client: TestClient, admin: Api, staff: Api
) -> None:
    login(client, admin)
    keys = {k["name"]: k["id"] for k in admin.ok(admin.get("/api/v1/api-keys"))}
    own = client.get(f"/admin/keys/{keys['Adam Admin']}/revoke").text
    assert "mit dem Sie gerade angemeldet sind" in own
    assert "letzte gültige Schlüssel mit der Rolle Administration" in own
    other = client.get(f"/admin/keys/{keys['Lena Vogel']}/revoke").text
    assert 'id="own-key"' not in other and 'id="last-admin"' not in other
    admin.ok(admin.post("/api/v1/api-keys", json={"name": "Eva Admin", "role": "admin"}), 201)
    own = client.get(f"/admin/keys/{keys['Adam Admin']}/revoke").text
    assert 'id="own-key"' in own and 'id="last-admin"' not in own
