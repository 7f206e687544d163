"""Engines and the two kinds of unit of work: read, and write (which commits).

SQLite: WAL, a busy timeout, and writes that start with BEGIN IMMEDIATE and queue on
one in-process lock, so concurrent writers in a process wait in line instead of
busy-spinning inside SQLite (docs/pitfalls.md: p99 1.7 s the naive way). Other processes
on the same file wait in line too, on a `flock` of `<file>.write-lock`
(service/core/file_lock.py), not in SQLite's polling busy handler.
PostgreSQL: one pooled engine; concurrency is handled by row versions and locks.

Every engine is created with `hide_parameters=True`: SQLAlchemy's error text otherwise
ends in `[parameters: …]`, the row's values (names, email addresses), and that text
reaches the logs through every handler that logs a database error.
Creating the database is not this module's business: `Database` never creates a folder
(service/core/migrate.py decides what a command may create)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.core import commit_hooks
from service.core.file_lock import FileLock
from service.core.write_queue import WriteQueue

T = TypeVar("T")
CONNECT_TIMEOUT_SECONDS = 10


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names (relative to the working directory, as SQLite reads
    it); None for PostgreSQL, an in-memory database or a `file:` URI."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        if self.is_sqlite:
            self.engine = self._sqlite_engine(immediate=False, echo=echo)
            self.write_engine = self._sqlite_engine(immediate=True, echo=echo)
        else:
            connect_args: dict[str, Any] = {}
            if self.is_postgres and "connect_timeout" not in self.url.query:
                # an unreachable host fails start-up in seconds, not after TCP's minutes
                connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
            self.engine = create_engine(
                url,
                echo=echo,
                pool_size=10,
                max_overflow=20,
                pool_pre_ping=True,
                hide_parameters=True,
                connect_args=connect_args,
            )
            self.write_engine = self.engine
        self._write_lock = threading.Lock() if self.is_sqlite else None
        path = sqlite_file(self.url) if self.is_sqlite else None
        # the processes on one SQLite file take turns on this (and threads on the above)
        self._file_lock = FileLock(Path(f"{path}.write-lock")) if path is not None else None
        self._queue: WriteQueue | None = None
        self._queue_lock = threading.Lock()

    def _sqlite_engine(self, *, immediate: bool, echo: bool) -> Engine:
        engine = create_engine(
            self.url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=1 if immediate else 8,
            max_overflow=0 if immediate else 8,
            pool_timeout=60,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

        return engine

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction that commits on success and rolls back on any error.
        After a successful commit, once the SQLite write lock is released, it runs the
        callbacks registered with `commit_hooks.after_commit` (a rollback drops them)."""
        lock, file_lock = self._write_lock, self._file_lock
        if lock is not None:
            lock.acquire()
        if file_lock is not None:
            try:
                file_lock.acquire()
            except BaseException:
                if lock is not None:
                    lock.release()
                raise
        try:
            with Session(self.write_engine, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                callbacks = commit_hooks.take(session)
        finally:
            if file_lock is not None:
                file_lock.release()
            if lock is not None:
                lock.release()
        if callbacks:
            commit_hooks.run(callbacks)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    async def run_write(self, job: Callable[[Session], T]) -> T:
        """Runs `job(session)` in a write transaction without blocking the event loop.
        SQLite: through the group-commit writer thread (service/core/write_queue.py);
        PostgreSQL: in the thread pool, one transaction per job (rows lock, not files)."""
        if self.is_sqlite:
            return await self._write_queue().run(job)

        def in_transaction() -> T:
            with self.write() as session:
                return job(session)

        return await run_in_threadpool(in_transaction)

    def _write_queue(self) -> WriteQueue:
        if self._queue is None:
            with self._queue_lock:
                if self._queue is None:
                    self._queue = WriteQueue(self.write)
        return self._queue

    def dispose(self) -> None:
        if self._queue is not None:
            self._queue.close()
            self._queue = None
        self.engine.dispose()
        if self._file_lock is not None:
            self._file_lock.close()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()
