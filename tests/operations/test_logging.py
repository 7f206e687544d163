"""Structured logs: JSON lines with a request id that is also on the response."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.observability.logs import accept_request_id, setup_logging, wants_json
from tests.support import Api


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()  # not a terminal: "auto" means JSON
    setup_logging("auto", stream=stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_request_gets_an_id_on_the_response_and_in_its_log_lines(
    client: TestClient, staff: Api, log_stream: io.StringIO
) -> None:
    response = staff.post("/api/v1/engagements", json={"municipality": "x"})
    assert response.status_code == 422
    request_id = response.headers["X-Request-ID"]
    assert 8 <= len(request_id) <= 64

    access = [e for e in lines(log_stream) if e.get("request_id") == request_id]
    assert access, log_stream.getvalue()
    line = access[-1]
    assert line["logger"] == "fokus.access"
    assert line["method"] == "POST"
    assert line["path"] == "/api/v1/engagements"
    assert line["status"] == 422
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "info"
    assert str(line["ts"]).endswith("+00:00")
    assert set(line) >= {"ts", "level", "logger", "msg", "request_id"}


def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(
    client: TestClient, log_stream: io.StringIO
) -> None:
    kept = client.get("/api/v1/engagements", headers={"X-Request-ID": "lb-1234.abc_DEF"})
    assert kept.status_code == 401
    assert kept.headers["X-Request-ID"] == "lb-1234.abc_DEF"
    assert any(e.get("request_id") == "lb-1234.abc_DEF" for e in lines(log_stream))

    for bad in ("a" * 65, "bad id with spaces", "x;y", ""):
        replaced = client.get("/health", headers={"X-Request-ID": bad})
        assert replaced.headers["X-Request-ID"] != bad
        assert (
            accept_request_id(replaced.headers["X-Request-ID"]) == replaced.headers["X-Request-ID"]
        )
    two = {client.get("/health").headers["X-Request-ID"] for _ in range(2)}
    assert len(two) == 2


def test_log_lines_inside_a_request_carry_its_id_and_a_crash_is_a_json_500_with_it(
    app: FastAPI, log_stream: io.StringIO
) -> None:
    """A line a handler logs (not only the access line) has the id; an unhandled error is
    logged with its traceback under the id, and the 500 tells the id to the caller."""

    @app.get("/test-crash")
    def crash() -> None:
        logging.getLogger("fokus.test").warning("about to fail")
        raise RuntimeError("a bug")

    logging.getLogger("fokus.test").info("outside any request")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test-crash", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-42"
    assert response.json() == {"detail": "internal error", "request_id": "req-42"}
    entries = lines(log_stream)
    outside = next(e for e in entries if e["msg"] == "outside any request")
    assert "request_id" not in outside
    mine = [e for e in entries if e.get("request_id") == "req-42"]
    assert [e["logger"] for e in mine] == ["fokus.test", "fokus.access", "fokus.access"]
    assert "RuntimeError: a bug" in str(mine[1]["exc"])
    assert mine[2]["status"] == 500 and mine[2]["route"] == "/test-crash"


def test_probes_are_not_logged_at_info(client: TestClient, log_stream: io.StringIO) -> None:
    client.get("/health", headers={"X-Request-ID": "probe-7"})
    client.get("/metrics", headers={"X-Request-ID": "probe-8"})
    assert not [e for e in lines(log_stream) if e.get("request_id") in ("probe-7", "probe-8")]


def test_json_carries_exceptions_and_text_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wants_json("auto", io.StringIO())
    assert not wants_json("auto", Tty())
    assert wants_json("json", Tty())
    assert not wants_json("text", io.StringIO())

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        stream = io.StringIO()
        setup_logging("json", stream=stream)
        try:
            raise ValueError("kaputt")
        except ValueError:
            logging.getLogger("fokus.test").exception("it broke")
        entry = json.loads(stream.getvalue().splitlines()[-1])
        assert entry["level"] == "error" and entry["msg"] == "it broke"
        assert "ValueError: kaputt" in entry["exc"]

        tty = Tty()
        setup_logging("auto", stream=tty)
        logging.getLogger("fokus.test").warning("plain")
        assert tty.getvalue().rstrip().endswith("WARNING fokus.test: plain")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
