"""Applies Alembic migrations; safe to run from several replicas at once (PostgreSQL: an
advisory lock; SQLite: an exclusive file lock beside the database)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from service.core.db import Database, sqlite_file
from service.core.paths import SERVICE
from service.core.settings import Settings

MIGRATIONS = SERVICE / "migrations"
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
                # a migration that changes a column on SQLite copies the table and drops
                # the old one; with foreign keys on, that drop would cascade into every
                # table referring to it (ON DELETE CASCADE empties the history). SQLite's
                # own recipe: keys off while migrating, then check. The pragma is a no-op
                # inside a transaction, so it goes to the driver's connection directly
                # (autocommit: service/core/db.py issues BEGIN itself).
                raw = connection.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys=OFF")
                try:
                    yield connection
                    broken = raw.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
                finally:
                    connection.rollback()  # nothing is open after the upgrade's commit
                    raw.execute("PRAGMA foreign_keys=ON")
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


class StartupError(Exception):
    """A problem the operator fixes before fokus can start. The CLI prints the message as
    one line and exits with status 2: a traceback would bury the one fact that matters."""


def check_location(settings: Settings, *, may_create: bool) -> None:
    """Refuses, before anything is opened, a SQLite file that would be created by
    accident: SQLite makes a new empty database for any path it is given, and the
    server then rejects keys written there, or serves an empty list.

    `may_create` (fokus serve, fokus db upgrade): the file may be created in a folder
    that exists; the folder itself only for the default URL (`var/` of a fresh
    checkout). Otherwise (apikey create, demo, scheduler) the file must exist."""
    path = sqlite_file(settings.database_url)
    if path is None or path.exists():
        if path is not None and path.is_dir():
            raise StartupError(
                f"FOKUS_DATABASE_URL names {path.resolve()}, a folder; give the database file"
            )
        return
    if not may_create:
        where = "" if path.is_absolute() else ", relative to the working directory"
        raise StartupError(
            f"no database at {path.resolve()} (FOKUS_DATABASE_URL{where}); run "
            "`fokus db upgrade` or `fokus serve` with the same FOKUS_DATABASE_URL first"
            + ("" if path.is_absolute() else ", or run this where the database is")
        )
    folder = path.parent
    if folder.is_dir():
        return
    if settings.database_url_is_default:
        folder.mkdir(parents=True, exist_ok=True)
        return
    raise StartupError(
        f"FOKUS_DATABASE_URL: the folder {folder.resolve()} does not exist; "
        "create it or correct the path (fokus does not create it, so a typo cannot "
        "start a new, empty database)"
    )


def is_initialised(db: Database) -> bool:
    """Whether fokus' migrations have ever run on this database."""
    with db.engine.connect() as connection:
        return inspect(connection).has_table("alembic_version")


def reason(exc: SQLAlchemyError) -> str:
    """The driver's own words on one line, without SQLAlchemy's statement and
    background link, and without a DETAIL line (PostgreSQL puts row values there)."""
    text = str(getattr(exc, "orig", None) or exc)
    lines = [line.strip() for line in text.splitlines()]
    kept = [line for line in lines if line and not line.startswith(("DETAIL", "[SQL", "("))]
    return " ".join(kept) or type(exc).__name__


def prepare(settings: Settings, db: Database, *, may_create: bool) -> None:
    """Brings the schema to head, or raises StartupError naming the problem: the server
    cannot be reached, or (without `may_create`) the database was never set up."""
    label = settings.database_label()
    try:
        initialised = is_initialised(db)
    except SQLAlchemyError as exc:
        raise StartupError(
            f"cannot open the database {label} (FOKUS_DATABASE_URL): {reason(exc)}"
        ) from None
    if not initialised and not may_create:
        raise StartupError(
            f"the database {label} has no fokus tables; run `fokus db upgrade` or "
            "`fokus serve` with the same FOKUS_DATABASE_URL first"
        )
    try:
        upgrade(db)
    except SQLAlchemyError as exc:
        raise StartupError(f"cannot migrate the database {label}: {reason(exc)}") from None
