"""`GET /health/ready` answers 200 only when a write commits, 503 naming the problem
(without SQL, parameters or credentials) when the database refuses writes or does not
take one in time; `GET /health` (liveness) stays 200 while the database reads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlmodel import col

from service import health
from service.app import create_app
from service.core.context import Context
from service.core.db import Database
from service.health import ReadinessProbe
from tests.postgres import PostgresServer
from tests.support import wait_until


def _unavailable(response: httpx.Response, words: str) -> str:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["status"] == "unavailable"
    detail = str(body["detail"])
    assert words in detail, detail
    for leak in ("readiness_probe", "checked_at", "[SQL", "parameters", "postgresql", "@"):
        assert leak not in detail, detail
    return detail


def test_ready_when_a_write_commits(client: TestClient, ctx: Context) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    with ctx.db.read() as session:
        checked = session.execute(select(col(ReadinessProbe.checked_at))).scalars().all()
    assert checked == [ctx.clock.now()]  # the probe really wrote its row


def test_the_probe_row_comes_back_if_it_was_deleted(client: TestClient, ctx: Context) -> None:
    from sqlalchemy import delete

    with ctx.db.write() as session:
        session.execute(delete(ReadinessProbe))
    assert client.get("/health/ready").status_code == 200
    with ctx.db.read() as session:
        assert session.execute(select(col(ReadinessProbe.id))).scalars().all() == [1]


@pytest.mark.sqlite_only
def test_a_read_only_sqlite_database_is_alive_but_not_ready(ctx: Context) -> None:
    path = make_url(ctx.settings.database_url).database
    assert path and Path(path).exists()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    read_only = Context(
        settings=ctx.settings.model_copy(update={"database_url": url}),
        db=Database(url),
        clock=ctx.clock,
    )
    try:
        with TestClient(create_app(read_only), raise_server_exceptions=False) as client:
            assert client.get("/health").json() == {"status": "ok"}
            _unavailable(client.get("/health/ready"), "readonly database")
    finally:
        read_only.db.dispose()


@pytest.mark.postgres_only
def test_a_read_only_postgres_database_is_alive_but_not_ready(
    ctx: Context, client: TestClient, postgres_server: PostgresServer
) -> None:
    name = make_url(ctx.settings.database_url).database
    assert name
    statement = "ALTER DATABASE {} SET default_transaction_read_only = "
    postgres_server.execute(sql.SQL(statement + "on").format(sql.Identifier(name)))
    ctx.db.engine.dispose()  # new connections get the setting
    try:
        assert client.get("/health").json() == {"status": "ok"}
        _unavailable(client.get("/health/ready"), "read-only transaction")
    finally:
        postgres_server.execute(sql.SQL(statement + "off").format(sql.Identifier(name)))
        ctx.db.engine.dispose()
    assert client.get("/health/ready").status_code == 200


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[float]:
    monkeypatch.setattr(health, "READY_TIMEOUT", 0.5)
    yield 0.5


def test_a_write_that_cannot_start_in_time_is_not_ready(
    client: TestClient, ctx: Context, short_timeout: float
) -> None:
    """Another transaction holds the write lock (SQLite) or the probe's row (PostgreSQL)."""
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with ctx.db.write() as session:
            session.execute(update(ReadinessProbe).values(checked_at=ctx.clock.now()))
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        _unavailable(client.get("/health/ready"), "did not finish within 0.5 s")
    finally:
        release.set()
        holder.join(10)
    wait_until(lambda: client.get("/health/ready").status_code == 200)
