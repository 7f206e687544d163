"""The one-time link to set a password (`/password/<token>`): it sets the password once,
then answers 410; an expired link answers 410, an unknown one 404; a new link (reset)
replaces the earlier one; the token is stored only as its SHA-256."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from service.accounts.models import PasswordToken
from service.core.clock import MovableClock
from service.core.context import Context
from tests.accounts.helpers import PASSWORD, account, password_login
from tests.web.conftest import csrf_of, form

EMAIL = "lena.vogel@agentur.example"


def _set(
    client: TestClient, token: str, password: str, confirm: str | None = None
) -> httpx.Response:
    page = client.get(f"/password/{token}")
    assert page.status_code == 200, page.text
    return form(client, f"/password/{token}", csrf_of(page.text),
                password=password, confirm=password if confirm is None else confirm)  # fmt: skip


def test_the_link_sets_the_password_once(client: TestClient, ctx: Context) -> None:
    _user_id, token = account(ctx, password=None)
    with ctx.db.read() as session:
        stored = session.exec(select(PasswordToken)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    page = client.get(f"/password/{token}")
    assert page.status_code == 200
    assert "Passwort festlegen" in page.text and EMAIL in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    done = _set(client, token, PASSWORD)
    assert done.status_code == 303
    assert done.headers["location"] == "/login?msg=acc_pw_set"
    assert "Ihr Passwort ist gespeichert" in client.get("/login?msg=acc_pw_set").text
    assert password_login(client, EMAIL).status_code == 303
    # used: the page and a second submission answer 410, and the password stays
    again = client.get(f"/password/{token}")
    assert again.status_code == 410 and "schon benutzt" in again.text
    replay = form(client, f"/password/{token}", csrf_of(again.text),
                  password="ein anderes Passwort", confirm="ein anderes Passwort")  # fmt: skip
    assert replay.status_code == 410
    assert password_login(TestClient(client.app), EMAIL, "ein anderes Passwort").status_code == 401


def test_a_short_or_unconfirmed_password_is_refused_and_the_link_stays_valid(
    client: TestClient, ctx: Context
) -> None:
    _user_id, token = account(ctx, password=None)
    short = _set(client, token, "elf Zeichen")
    assert short.status_code == 422
    assert "mindestens 12 Zeichen" in short.text
    differ = _set(client, token, PASSWORD, PASSWORD + "!")
    assert differ.status_code == 422
    assert "stimmen nicht überein" in differ.text
    english = client.get(f"/password/{token}?lang=en")
    assert "Set your password" in english.text
    assert _set(client, token, PASSWORD).status_code == 303


def test_an_expired_link_answers_410_and_an_unknown_one_404(
    client: TestClient, ctx: Context, clock: MovableClock
) -> None:
    _user_id, token = account(ctx, password=None)
    clock.advance(timedelta(hours=72))
    expired = client.get(f"/password/{token}")
    assert expired.status_code == 410 and "abgelaufen" in expired.text
    unknown = client.get("/password/gibt-es-nicht")
    assert unknown.status_code == 404 and "gibt es nicht" in unknown.text
    assert client.get("/password/" + "x" * 500).status_code == 404


def test_a_new_link_replaces_the_earlier_one(client: TestClient, ctx: Context) -> None:
    from service.accounts import users

    _user_id, first = account(ctx, password=None)
    with ctx.db.write() as session:
        _user, second = users.reset_link(session, ctx.clock, "LENA.VOGEL@agentur.example")
    assert client.get(f"/password/{first}").status_code == 410
    assert _set(client, second, PASSWORD).status_code == 303
