"""Fixtures: a migrated database in a temp dir, a movable clock, the app through
FastAPI's TestClient, API keys per role, and a real SMTP sink.

Every test that uses `settings` (and so `ctx`, `app`, `client`, …) runs twice: on
SQLite (`test_x[sqlite]`) and on PostgreSQL 15 (`test_x[postgresql]`), each with a fresh
database. The PostgreSQL server is started once per session (tests/postgres.py); a
migrated template database is copied per test (`CREATE DATABASE … TEMPLATE …`).
- `@pytest.mark.sqlite_only` / `@pytest.mark.postgres_only` restrict a test to one.
- `db_backend` is the fixture that says which one ("sqlite" | "postgresql").
- `FOKUS_TEST_DATABASES=sqlite` (or `postgresql`) restricts a local run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth.keys import Role, create_key
from service.core.clock import MovableClock
from service.core.context import Context
from service.core.db import Database
from service.core.migrate import upgrade
from service.core.settings import Settings
from tests.postgres import PostgresServer, unavailable_reason
from tests.support import Api, SmtpSink
from workflows.registry import Registry, default_registry

BERLIN = ZoneInfo("Europe/Berlin")
# a Monday in early March: no holiday nearby in any federal state
START = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to change settings for its tests."""
    return {}


BACKENDS = ("sqlite", "postgresql")
TEMPLATE_DB = "fokus_template"


def _wanted_backends() -> list[str]:
    raw = os.environ.get("FOKUS_TEST_DATABASES", "")
    wanted = [b.strip() for b in raw.split(",") if b.strip()] or list(BACKENDS)
    unknown = set(wanted) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"FOKUS_TEST_DATABASES: unknown {sorted(unknown)}")
    return wanted


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrizes `db_backend` (and so every test that needs a database)."""
    if "db_backend" not in metafunc.fixturenames:
        return
    backends = _wanted_backends()
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = [b for b in backends if b == "sqlite"]
    if metafunc.definition.get_closest_marker("postgres_only"):
        backends = [b for b in backends if b == "postgresql"]
    params = [
        pytest.param(b, marks=pytest.mark.postgres) if b == "postgresql" else b for b in backends
    ]
    metafunc.parametrize("db_backend", params, indirect=True)


_PG_SKIP = unavailable_reason()


def pytest_report_header(config: pytest.Config) -> str:
    if _PG_SKIP:
        return f"fokus: PostgreSQL tests are skipped: {_PG_SKIP}"
    return f"fokus: databases under test: {', '.join(_wanted_backends())}"


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    backend = str(getattr(request, "param", "sqlite"))
    if backend == "postgresql" and _PG_SKIP:
        pytest.skip(_PG_SKIP)
    return backend


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session, with a migrated template database."""
    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
    server = PostgresServer().start()
    try:
        url = server.create_database(TEMPLATE_DB)
        db = Database(url)
        upgrade(db)
        db.dispose()  # a template must have no open connections
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    name = postgres_server.unique_name("t")
    url = postgres_server.create_database(name, template=TEMPLATE_DB)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture
def database_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if db_backend == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'fokus.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str, settings_overrides: dict[str, object]) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "var_dir": tmp_path / "var",
        "secret_key": "test-secret",
        "base_url": "http://fokus.example",
        "mail_from": "fokusberatung@agentur.example",
        **settings_overrides,
    }
    return Settings(**values)


@pytest.fixture
def registry() -> Registry:
    """The processes the app knows; override in a test module to add test-only ones."""
    return default_registry()


@pytest.fixture
def ctx(settings: Settings, clock: MovableClock, registry: Registry) -> Iterator[Context]:
    context = Context.from_settings(settings, clock=clock, registry=registry)
    upgrade(context.db)
    yield context
    context.db.dispose()


@pytest.fixture
def app(ctx: Context) -> FastAPI:
    return create_app(ctx)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _key(ctx: Context, role: Role, name: str) -> str:
    with ctx.db.write() as session:
        _row, key = create_key(session, ctx.clock, name=name, role=role)
    return key


@pytest.fixture
def staff(client: TestClient, ctx: Context) -> Api:
    return Api(client, _key(ctx, Role.staff, "Lena Vogel"))


@pytest.fixture
def supervisor(client: TestClient, ctx: Context) -> Api:
    return Api(client, _key(ctx, Role.supervisor, "Sabine Supervisor"))


@pytest.fixture
def admin(client: TestClient, ctx: Context) -> Api:
    return Api(client, _key(ctx, Role.admin, "Adam Admin"))


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()
