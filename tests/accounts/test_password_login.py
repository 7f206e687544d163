"""Logging into the dashboard with email and password (contract, "People and access"):
the account's role and firm, one answer for a wrong password and an unknown address,
the lock-out after five failures in a row (429 with Retry-After, at least a minute,
doubling, reset by a good login), and sessions that end on logout, on a password change
and when the account is disabled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.types import ASGIApp

from service.accounts import passwords, signin
from service.accounts.models import User
from service.core.clock import MovableClock
from service.core.context import Context
from tests.accounts.helpers import PASSWORD, account, password_login
from tests.support import Api
from tests.web.conftest import csrf_of, form

EMAIL = "lena.vogel@agentur.example"


def _other(app: ASGIApp) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _user(ctx: Context, user_id: int) -> User:
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        assert user is not None
        session.expunge(user)
        return user


def test_login_with_email_and_password_acts_as_the_account(
    client: TestClient, ctx: Context
) -> None:
    account(ctx, email="Lena.Vogel@Agentur.example", firm="Klima GmbH")
    with ctx.db.read() as session:
        stored = session.exec(select(User)).one()
        assert stored.email == EMAIL  # stored lower-cased
        assert stored.password_hash is not None and stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
    response = password_login(client, "LENA.VOGEL@agentur.example")
    assert response.status_code == 303 and response.headers["location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Lena Vogel" in page.text and 'href="/account/password"' in page.text


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(
    client: TestClient, ctx: Context
) -> None:
    account(ctx)
    wrong = password_login(client, EMAIL, "falsches Passwort!")
    unknown = password_login(client, "niemand@agentur.example", "falsches Passwort!")
    assert wrong.status_code == unknown.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in wrong.text
    assert "E-Mail-Adresse oder Passwort ist falsch." in unknown.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_an_account_without_a_password_cannot_log_in(client: TestClient, ctx: Context) -> None:
    account(ctx, password=None)
    assert password_login(client, EMAIL, "").status_code == 401
    assert password_login(client, EMAIL, PASSWORD).status_code == 401


def test_five_failures_lock_the_account_for_a_minute_then_doubling(
    client: TestClient, ctx: Context, clock: MovableClock
) -> None:
    user_id, _ = account(ctx)
    for _ in range(5):
        assert password_login(client, EMAIL, "falsches Passwort!").status_code == 401
    # the sixth try is refused, even with the right password, and says until when
    locked = password_login(client, EMAIL, PASSWORD)
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "60"
    assert "Zu viele Fehlversuche" in locked.text and "60 Sekunden" in locked.text
    assert "09:01:00 Uhr" in locked.text  # START is 09:00 in Berlin, plus the minute
    clock.advance(timedelta(seconds=59))
    assert password_login(client, EMAIL, PASSWORD).headers["Retry-After"] == "1"
    clock.advance(timedelta(seconds=1))
    # free again; one more failure locks for twice as long
    assert password_login(client, EMAIL, "falsches Passwort!").status_code == 401
    again = password_login(client, EMAIL, PASSWORD)
    assert again.status_code == 429 and again.headers["Retry-After"] == "120"
    assert _user(ctx, user_id).failed_logins == 6
    clock.advance(timedelta(seconds=120))
    # a good login resets the count: five more failures are needed for the next lock
    assert password_login(client, EMAIL, PASSWORD).status_code == 303
    assert _user(ctx, user_id).failed_logins == 0
    for _ in range(4):
        assert password_login(_other(client.app), EMAIL, "falsch, falsch!").status_code == 401
    assert password_login(_other(client.app), EMAIL, PASSWORD).status_code == 303


def test_the_lock_grows_to_at_most_an_hour() -> None:
    assert [signin.lock_for(n) for n in (4, 5, 6, 7)] == [
        None,
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert signin.lock_for(11) == signin.lock_for(50) == timedelta(hours=1)


def test_parallel_guesses_cannot_get_past_the_limit(ctx: Context) -> None:
    """Twenty guesses at once: at most five are checked; the rest are refused (429)."""
    from concurrent.futures import ThreadPoolExecutor

    user_id, _ = account(ctx)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: signin.login(ctx, EMAIL, "geraten!!"), range(20)))
    locked = [o for o in outcomes if o.locked_until is not None]
    assert len(locked) == 15
    assert _user(ctx, user_id).failed_logins == 5
    assert all(o.principal is None for o in outcomes)


def test_failed_logins_are_logged_without_the_password(
    client: TestClient, ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    account(ctx)
    caplog.set_level("INFO", logger="fokus.accounts")
    password_login(client, EMAIL, "geheim-und-falsch")
    password_login(client, EMAIL, PASSWORD)
    text = caplog.text
    assert "login failed: account" in text and "login: account" in text
    assert "geheim-und-falsch" not in text and PASSWORD not in text


def test_logout_ends_the_session_and_the_old_cookie_is_refused(
    client: TestClient, ctx: Context
) -> None:
    account(ctx)
    assert password_login(client, EMAIL).status_code == 303
    cookie = client.cookies["fokus_session"]
    csrf = csrf_of(client.get("/").text)
    assert form(client, "/logout", csrf).headers["location"] == "/login?msg=logged_out"
    replay = _other(client.app)
    replay.cookies.set("fokus_session", cookie)
    assert replay.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_password_change_ends_every_other_session_and_keeps_this_one(
    client: TestClient, ctx: Context
) -> None:
    account(ctx)
    elsewhere = _other(client.app)
    assert password_login(elsewhere, EMAIL).status_code == 303
    assert password_login(client, EMAIL).status_code == 303
    old_cookie = client.cookies["fokus_session"]
    page = client.get("/account/password")
    assert page.status_code == 200 and "Bisheriges Passwort" in page.text
    new = "Ein neues langes Passwort"
    refused = form(client, "/account/password", csrf_of(page.text),
                   current="nicht das alte", password=new, confirm=new)  # fmt: skip
    assert refused.status_code == 422 and "Das bisherige Passwort ist falsch." in refused.text
    short = form(client, "/account/password", csrf_of(page.text),
                 current=PASSWORD, password="zu kurz", confirm="zu kurz")  # fmt: skip
    assert short.status_code == 422 and "mindestens 12 Zeichen" in short.text
    done = form(client, "/account/password", csrf_of(page.text),
                current=PASSWORD, password=new, confirm=new)  # fmt: skip
    assert done.status_code == 303
    assert done.headers["location"] == "/account/password?msg=acc_pw_changed"
    # this browser has a new session; the old cookie and the other browser are out
    assert "Ihr Passwort ist geändert" in client.get(done.headers["location"]).text
    assert elsewhere.get("/", follow_redirects=False).headers["location"] == "/login"
    replay = _other(client.app)
    replay.cookies.set("fokus_session", old_cookie)
    assert replay.get("/", follow_redirects=False).headers["location"] == "/login"
    assert password_login(_other(client.app), EMAIL, PASSWORD).status_code == 401
    assert password_login(_other(client.app), EMAIL, new).status_code == 303


def test_a_key_session_without_an_account_has_no_password_to_change(
    client: TestClient, staff: Api
) -> None:
    from tests.web.conftest import login

    login(client, staff)
    page = client.get("/account/password")
    assert page.status_code == 403 and "zu keinem Konto gehört" in page.text


def test_disabling_an_account_ends_its_sessions_and_its_keys(
    client: TestClient, ctx: Context, admin: Api
) -> None:
    from service.auth.keys import Role, create_key

    user_id, _ = account(ctx)
    with ctx.db.write() as session:
        _row, key = create_key(session, ctx.clock, name="Lenas Skript", role=Role.staff,
                               user_id=user_id)  # fmt: skip
    robot = Api(client, key)
    assert robot.get("/api/v1/engagements").status_code == 200  # cached as valid now
    browser = _other(client.app)
    assert password_login(browser, EMAIL).status_code == 303
    answer = admin.delete(f"/api/v1/users/{user_id}")
    assert answer.status_code == 200 and answer.json()["disabled_at"] is not None
    assert browser.get("/", follow_redirects=False).headers["location"] == "/login"
    assert robot.get("/api/v1/engagements").status_code == 401
    assert password_login(_other(client.app), EMAIL).status_code == 401


def test_verify_refuses_a_missing_or_broken_hash() -> None:
    assert not passwords.verify(None, "")
    assert not passwords.verify("kein-hash", PASSWORD)
    assert passwords.verify(passwords.hash_password(PASSWORD), PASSWORD)


def test_an_unknown_address_costs_one_argon2_check_like_an_account(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same work for an address with and without an account: one Argon2 check each
    (against the dummy hash for the unknown one), so the time tells nothing."""
    account(ctx)
    checked: list[str | None] = []
    real = passwords.verify

    def counting(password_hash: str | None, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify", counting)
    assert signin.login(ctx, "niemand@agentur.example", "geraten!!").principal is None
    assert signin.login(ctx, EMAIL, "geraten!!").principal is None
    assert len(checked) == 2 and checked[0] is None and checked[1] is not None
