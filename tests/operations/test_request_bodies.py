"""Bodies over FOKUS_MAX_BODY_BYTES are 413 also when they arrive chunked (no
Content-Length), on every kind of route: the API (JSON), the dashboard and RSVP forms.
Over a real uvicorn and a socket, because TestClient never sends a chunked body."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from tests.support import ENGAGEMENT, Api, LiveServer

LIMIT = 20_000


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_body_bytes": LIMIT}


@pytest.fixture
def live(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


def _chunked(*parts: bytes, filler: int = 0, size: int = 4096) -> Iterator[bytes]:
    """parts[0], then `filler` bytes of "x" in chunks, then the other parts."""
    yield parts[0]
    sent = 0
    while sent < filler:
        step = min(size, filler - sent)
        yield b"x" * step
        sent += step
    yield from parts[1:]


def _is_chunked(request: httpx.Request) -> None:
    assert request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in request.headers


def _client(live: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=live.url, event_hooks={"request": [_is_chunked]}, timeout=30)


def test_a_chunked_json_body_over_the_limit_is_413(live: LiveServer, staff: Api) -> None:
    with _client(live) as http:
        response = http.post(
            "/api/v1/engagements",
            content=_chunked(b'{"municipality": "', b'"}', filler=LIMIT + 1),
            headers={**staff.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 413, response.text
        assert response.json()["detail"] == f"request body larger than {LIMIT} bytes"
        assert response.json()["code"] == "body_too_large"
        # a chunked body within the limit is read as usual
        body = json.dumps(ENGAGEMENT).encode()
        created = http.post(
            "/api/v1/engagements",
            content=_chunked(body[:10], body[10:]),
            headers={**staff.headers, "Content-Type": "application/json"},
        )
        assert created.status_code == 201, created.text
    assert staff.ok(staff.get("/api/v1/engagements"))["total"] == 1


def test_without_a_key_a_chunked_body_is_401_unread(live: LiveServer) -> None:
    with _client(live) as http:
        response = http.post(
            "/api/v1/engagements",
            content=_chunked(b'{"municipality": "', b'"}', filler=LIMIT * 3),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/login", "/logout", "/rsvp/some-token"])
def test_a_chunked_form_over_the_limit_is_413(live: LiveServer, path: str) -> None:
    """The form parsers turned the failed read into 400 (dashboard) or a missing answer
    (RSVP: 404 for the token); the limit's 413 wins."""
    with _client(live) as http:
        response = http.post(
            path,
            content=_chunked(b"response=", filler=LIMIT + 1),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 413, (path, response.status_code, response.text[:200])
    assert "larger than" in response.json()["detail"]


def test_a_declared_length_over_the_limit_is_413_as_before(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url) as http:
        response = http.post("/rsvp/some-token", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
