"""Applies Alembic migrations; safe to run from several replicas at once (PostgreSQL: an
advisory lock; SQLite: an exclusive file lock beside the database)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from service.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK_ID = 0x0F0C05  # any constant shared by every fokus process


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return config


@contextmanager
def _exclusive(db: Database) -> Iterator[Connection]:
    if db.is_postgres:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID})
            connection.commit()
            try:
                yield connection
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
                connection.commit()
        return
    lock_path = _lock_path(db)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with db.engine.connect() as connection:
                yield connection
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_path(db: Database) -> str:
    database = db.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return "/tmp/fokus-migrate.lock"
    return database + ".migrate-lock"


def upgrade(db: Database, revision: str = "head") -> None:
    config = alembic_config()
    with _exclusive(db) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
