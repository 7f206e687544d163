"""Readiness: does the database accept a write right now?

`GET /health` only reads (`SELECT 1`), so it said "ok" while every write failed (a
read-only file or file system, a PostgreSQL standby or `default_transaction_read_only`,
a full disk). `GET /health/ready` commits a real one-row UPDATE through the same write
path as every request (on SQLite: the in-process write lock and `BEGIN IMMEDIATE`).
The answer names the database's complaint, never the statement or its parameters
(`str()` of a SQLAlchemy error contains both) nor the connection URL.
"""

from __future__ import annotations

from datetime import datetime

import anyio
import anyio.to_thread
from sqlalchemy import insert, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlmodel import Field, SQLModel, col

from service.core.context import Context

READY_TIMEOUT = 5.0  # seconds: a probe that waits longer than this is an answer too


class ReadinessProbe(SQLModel, table=True):
    """One row (id 1), rewritten by every readiness check."""

    __tablename__ = "readiness_probe"

    id: int = Field(primary_key=True)
    checked_at: datetime


def _write(ctx: Context) -> None:
    now = ctx.clock.now()
    try:
        with ctx.db.write() as session:
            connection = session.connection()
            done = connection.execute(
                update(ReadinessProbe).where(col(ReadinessProbe.id) == 1).values(checked_at=now)
            )
            if done.rowcount == 0:  # the row was deleted by hand: put it back
                connection.execute(insert(ReadinessProbe).values(id=1, checked_at=now))
    except IntegrityError:
        pass  # another replica put the row back first: the write path works


def describe(exc: BaseException) -> str:
    """The database's own complaint without SQL, parameters or connection details."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    diag = getattr(orig, "diag", None)  # psycopg: the server's primary message only
    primary = getattr(diag, "message_primary", None)
    if isinstance(primary, str) and primary:
        message = primary
    elif type(orig).__module__ == "sqlite3":  # fixed texts like "database is locked"
        message = str(orig)
    else:
        message = type(orig).__name__  # e.g. psycopg's connection errors name host and user
    return message.splitlines()[0][:200] if message else type(orig).__name__


async def ready(ctx: Context) -> str | None:
    """None when a write commits within READY_TIMEOUT, else what went wrong."""
    try:
        with anyio.fail_after(READY_TIMEOUT):
            # abandoned on timeout: the thread finishes (or fails) on its own
            await anyio.to_thread.run_sync(_write, ctx, abandon_on_cancel=True)
    except TimeoutError:
        return f"a write did not finish within {READY_TIMEOUT:g} s"
    except SQLAlchemyError as exc:
        return "the database does not accept writes: " + describe(exc)
    except OSError as exc:  # e.g. the SQLite folder vanished
        return "the database does not accept writes: " + (exc.strerror or type(exc).__name__)
    return None
