"""Accounts for the tests: made with the service functions an admin's command uses, the
password set through the one-time link as the person would, and logging in through the
login form."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from service.accounts import signin, users
from service.accounts.schemas import UserCreate
from service.auth.keys import Principal, Role
from service.core.context import Context
from tests.web.conftest import csrf_of

PASSWORD = "Klimaschutz ist Teamarbeit"


def account(
    ctx: Context,
    email: str = "lena.vogel@agentur.example",
    name: str = "Lena Vogel",
    role: str = "staff",
    firm: str | None = None,
    password: str | None = PASSWORD,
) -> tuple[int, str]:
    """A new account (its id and the token of its link), with `password` set through the
    link unless None."""
    data = UserCreate(email=email, name=name, role=Role(role), firm=firm)
    with ctx.db.write() as session:
        user, token = users.create(session, ctx.clock, data)
        user_id = user.id
    assert user_id is not None
    if password is not None:
        assert isinstance(signin.set_with_token(ctx, token, password, password), Principal)
    return user_id, token


def password_login(
    client: TestClient | httpx.Client, email: str, password: str = PASSWORD
) -> httpx.Response:
    """Posts the login form with email and password (the page's CSRF token first)."""
    token = csrf_of(client.get("/login").text)
    data = {"email": email, "password": password, "csrf_token": token}
    response: httpx.Response = client.post("/login", data=data, follow_redirects=False)
    return response
