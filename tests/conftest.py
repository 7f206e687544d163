"""Fixtures: a migrated database in a temp dir, a movable clock, the app through
FastAPI's TestClient, API keys per role, and a real SMTP sink."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth.keys import Role, create_key
from service.clock import MovableClock
from service.context import Context
from service.migrate import upgrade
from service.settings import Settings
from tests.support import Api, SmtpSink

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


@pytest.fixture
def settings(tmp_path: Path, settings_overrides: dict[str, object]) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'fokus.db'}",
        "var_dir": tmp_path / "var",
        "secret_key": "test-secret",
        "base_url": "http://fokus.example",
        "mail_from": "fokusberatung@agentur.example",
        **settings_overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def ctx(settings: Settings, clock: MovableClock) -> Iterator[Context]:
    context = Context.from_settings(settings, clock=clock)
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
