"""Test helpers that are not fixtures: a real SMTP sink, a uvicorn server in a thread,
free ports, and small factories that go through the HTTP API like a user would."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient

# version 1 of the Fokusberatung: most tests walk its short process (a grant is not needed);
# the programme's rules of version 2 and of the Klimaschutzmanagement have their own tests
ENGAGEMENT = {
    "municipality": "Gemeinde Beispielstadt",
    "applicant_type": "municipality",
    "federal_state": "BY",
    "contact_name": "Anna Schmidt",
    "contact_email": "anna.schmidt@example.org",
    "process_version": 1,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.sink.refuse_with is not None:
            return self.sink.refuse_with
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.messages.append(message)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives, parsed."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.refuse_with: str | None = None  # e.g. "451 try later"
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        with self.lock:
            raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


class LiveServer:
    """uvicorn serving an app in a thread, for tests that need real sockets."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def wait_until(check: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(step)
    raise AssertionError("condition not met in time")


class Api:
    """A TestClient bound to one API key, with the few calls every test needs."""

    def __init__(self, client: TestClient | httpx.Client, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.post(url, headers=self.headers, **kw)

    def patch(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.patch(url, headers=self.headers, **kw)

    def put(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.put(url, headers=self.headers, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.delete(url, headers=self.headers, **kw)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, (response.status_code, response.text)
        return response.json() if response.content else None

    def created(self, response: httpx.Response) -> dict[str, Any]:
        """The 201 answer of a POST that creates something: one JSON object."""
        body = self.ok(response, 201)
        assert isinstance(body, dict), body
        return body

    def engagement(self, **overrides: Any) -> dict[str, Any]:
        return self.created(self.post("/api/v1/engagements", json={**ENGAGEMENT, **overrides}))

    def fire(self, eid: int, trigger: str, **body: Any) -> httpx.Response:
        return self.post(
            f"/api/v1/engagements/{eid}/transitions", json={"trigger": trigger, **body}
        )

    def participant(self, eid: int, **overrides: Any) -> dict[str, Any]:
        body = {"name": "Petra Klein", "email": f"petra.{eid}@example.org", **overrides}
        return self.created(self.post(f"/api/v1/engagements/{eid}/participants", json=body))

    def workshop(self, eid: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "title": "Auftaktworkshop",
            "starts_at": "2026-03-10T17:00:00",
            "ends_at": "2026-03-10T20:00:00",
            "location": "Rathaus, Sitzungssaal",
            **overrides,
        }
        return self.created(self.post(f"/api/v1/engagements/{eid}/workshops", json=body))

    def measure(self, eid: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "title": "LED-Straßenbeleuchtung",
            "action_area": "municipal_buildings",
            **overrides,
        }
        return self.created(self.post(f"/api/v1/engagements/{eid}/measures", json=body))


def mail_text(row: Any, tz: Any) -> str:
    """The plain text of an outbox row as the dispatcher sends it: rendered from its
    template and parameters where it was queued that way (service/mail/deferred.py)."""
    from service.mail.deferred import ready

    return ready(row, tz).body_text
