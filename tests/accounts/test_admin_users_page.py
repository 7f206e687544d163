"""`/admin/users`: an admin creates an account in the browser and sees its one-time link
once, a refused form names the field, disabling asks first and then ends the account's
sessions; everyone else gets 403 (or the login)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.core.context import Context
from tests.accounts.helpers import account, password_login
from tests.support import Api
from tests.web.conftest import csrf_of, form, login


def test_an_admin_creates_and_disables_an_account(
    client: TestClient, ctx: Context, admin: Api
) -> None:
    csrf = login(client, admin)
    page = client.get("/admin/users")
    assert page.status_code == 200 and "Noch keine Konten." in page.text
    assert 'href="/admin/users"' in client.get("/").text  # in the admin's navigation
    bad = form(client, "/admin/users", csrf, email="jan@klima", name="Jan", role="staff", firm="")
    assert bad.status_code == 422 and 'id="account-email-error"' in bad.text
    assert "E-Mail-Adresse" in bad.text
    made = form(client, "/admin/users", csrf, email="Jan@Klima.example", name="Jan Berater",
                role="staff", firm="Klima GmbH")  # fmt: skip
    assert made.status_code == 201
    link = re.search(r'value="(http://fokus\.example/password/[^"]+)"', made.text)
    assert link is not None
    token = link.group(1).rsplit("/", 1)[1]
    assert client.get(f"/password/{token}").status_code == 200
    again = form(client, "/admin/users", csrf, email="jan@klima.example", name="Jan",
                 role="staff", firm="")  # fmt: skip
    assert again.status_code == 409 and "Es gibt schon ein Konto" in again.text
    listed = client.get("/admin/users").text
    assert "jan@klima.example" in listed and "Klima GmbH" in listed
    assert token not in listed  # the link is shown only once

    user_id, _ = account(ctx)
    browser = TestClient(client.app)
    assert password_login(browser, "lena.vogel@agentur.example").status_code == 303
    ask = client.get(f"/admin/users/{user_id}/disable")
    assert ask.status_code == 200 and "Lena Vogel" in ask.text
    done = form(client, f"/admin/users/{user_id}/disable", csrf_of(ask.text))
    assert done.headers["location"] == "/admin/users?msg=disabled"
    assert "deaktiviert" in client.get(done.headers["location"]).text
    assert browser.get("/", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/admin/users/999999/disable").status_code == 404
    assert form(client, "/admin/users/999999/disable", csrf).status_code == 404


def test_only_admins_see_the_accounts(client: TestClient, staff: Api) -> None:
    assert client.get("/admin/users", follow_redirects=False).headers["location"] == "/login"
    csrf = login(client, staff)
    assert client.get("/admin/users").status_code == 403
    refused = form(client, "/admin/users", csrf, email="a@b.example", name="A", role="admin")
    assert refused.status_code == 403
    assert 'href="/admin/users"' not in client.get("/").text
