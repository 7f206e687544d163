"""Structured logs: JSON lines with a request id that is also on the response, and no
secret (API key, RSVP token) or SQL parameter in any line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.core.context import Context
from service.observability.logs import accept_request_id, redact, setup_logging, wants_json
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
    assert response.json() == {
        "code": "internal_error",
        "detail": "internal error",
        "detail_de": "Interner Fehler (die Kennung der Anfrage steht in request_id).",
        "request_id": "req-42",
    }
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


def test_redact_masks_keys_tokens_sql_parameters_and_postgres_details() -> None:
    key = "fok_" + "a1B2-c3_D4" * 4 + "xyz"
    token = "WzEsImFiYyJd.oGa033yvAEg1k1JAyLBMN-U-HV8"
    error = (
        "(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint\n"
        "DETAIL:  Key (engagement_id, email)=(1, petra@example.org) already exists.\n"
        "[SQL: INSERT INTO participants (name, email) VALUES (%(name)s, %(email)s)]\n"
        "[parameters: {'name': 'Petra Klein', 'email': 'petra@example.org'}]\n"
        "(Background on this error at: https://sqlalche.me/e/21/gkpj)"
    )
    masked = redact(f"GET /rsvp/{token} and /rsvp/{token}/more with {key}\n{error}")
    for secret in (key, token, "petra@example.org", "Petra Klein"):
        assert secret not in masked
    assert masked.startswith("GET /rsvp/*** and /rsvp/***/more with fok_***\n")
    assert "[parameters: hidden]" in masked and "DETAIL: (hidden)" in masked
    assert "[SQL: INSERT INTO participants (name, email)" in masked  # the statement stays
    # what is no secret stays: a key's 10-character prefix, ordinary paths and words
    plain = "key fok_Ab3dE1 listed; GET /api/v1/engagements/7 409; detail: none"
    assert redact(plain) == plain


def test_an_rsvp_token_is_masked_in_the_access_line(
    client: TestClient, log_stream: io.StringIO
) -> None:
    token = "WzEsImFiYyJd.oGa033yvAEg1k1JAyLBMN-U-HV8"
    client.get(f"/rsvp/{token}", headers={"X-Request-ID": "rsvp-1"})
    client.post(f"/rsvp/{token}/x", headers={"X-Request-ID": "rsvp-2"})
    assert token not in log_stream.getvalue()
    mine = {e["request_id"]: e for e in lines(log_stream) if e.get("logger") == "fokus.access"}
    assert mine["rsvp-1"]["path"] == "/rsvp/***" and mine["rsvp-1"]["msg"] == "GET /rsvp/*** 404"
    assert mine["rsvp-1"]["route"] == "/rsvp/{token}"
    assert mine["rsvp-2"]["path"] == "/rsvp/***/x"


def test_database_errors_do_not_carry_the_statement_parameters(ctx: Context) -> None:
    """hide_parameters on every engine: the error text (which handlers log) names the
    statement but not the values, which may be names and email addresses."""
    for engine in {ctx.db.engine, ctx.db.write_engine}:
        with pytest.raises(SQLAlchemyError) as raised, engine.connect() as connection:
            connection.execute(
                text("INSERT INTO no_such_table (email) VALUES (:email)"),
                {"email": "gerda.geheim@example.org"},
            )
        message = str(raised.value)
        assert "no_such_table" in message
        assert "gerda.geheim@example.org" not in message
        assert "[parameters:" not in message
