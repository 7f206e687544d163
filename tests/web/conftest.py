"""Helpers for the dashboard tests: log in through the form like a person would, and
read the CSRF token out of a page."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests.support import Api

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def key_of(api: Api) -> str:
    return api.headers["Authorization"].removeprefix("Bearer ")


def login(client: TestClient, api: Api) -> str:
    """Logs `client` in with `api`'s key; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"api_key": key_of(api), "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


def form(client: TestClient, url: str, csrf: str, **fields: object) -> httpx.Response:
    data = {"csrf_token": csrf, **{k: str(v) for k, v in fields.items()}}
    response: httpx.Response = client.post(url, data=data, follow_redirects=False)
    return response
