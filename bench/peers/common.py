"""What the peers share: the process's steps, fresh databases, engines set up as fokus's
own (SQLite: WAL, synchronous=NORMAL; PostgreSQL: the same throw-away server), the ORM
rows of the two state-machine peers and the timing of a walk."""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, ForeignKey, String, create_engine, event, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# the Fokusberatung's (version 1) way from application to completion: (trigger, from, to)
STEPS: tuple[tuple[str, str, str], ...] = (
    ("approve", "application", "onboarding"),
    ("start_workshops", "onboarding", "workshops"),
    ("draft_vision", "workshops", "guiding_vision"),
    ("adopt_vision", "guiding_vision", "implementation"),
    ("complete", "implementation", "completed"),
)
STATES: tuple[str, ...] = ("application", *(to for _, _, to in STEPS))


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Walk:
    """One engine's walk: `instances` instances through every step."""

    engine: str
    database: str
    instances: int
    transitions: int
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU (a PostgreSQL server's own CPU is not in it)

    @property
    def per_second(self) -> float:
        return self.transitions / self.seconds if self.seconds else 0.0

    @property
    def cpu_us(self) -> float:
        return self.cpu_seconds / self.transitions * 1e6 if self.transitions else 0.0


# engines whose walk runs under cProfile (compare.py --profile); the timing then counts
# the profiler too, so a profiled round is for reading cost centres, not for figures
PROFILED: set[str] = set()


def timed(engine: str, database: str, instances: int, walk: Callable[[], int]) -> Walk:
    """Runs `walk` (which returns the transitions it made) and measures it."""
    profile = cProfile.Profile() if engine in PROFILED else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profile is not None:
        profile.enable()
    transitions = walk()
    if profile is not None:
        profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profile is not None:
        print(f"--- cProfile of {engine} on {database}, {transitions} transitions", flush=True)
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)
    return Walk(engine, database, instances, transitions, wall, cpu)


class Databases:
    """Fresh databases of one kind: SQLite files in a temporary folder, or databases on
    one throw-away PostgreSQL 15 (tests/postgres.py, fsync off as for every side)."""

    def __init__(self, kind: str, stack: ExitStack, folder: Path) -> None:
        self.kind = kind
        self.folder = folder
        self._count = 0
        self._server: Any = None
        if kind == "postgresql":
            from tests.postgres import PostgresServer, unavailable_reason

            reason = unavailable_reason()
            if reason:
                raise RuntimeError(f"PostgreSQL unavailable: {reason}")
            self._server = stack.enter_context(PostgresServer())

    def new(self, name: str) -> str:
        """The URL of a new, empty database."""
        self._count += 1
        label = f"{name}_{self._count}"
        if self._server is not None:
            return str(self._server.create_database(label))
        return f"sqlite:///{self.folder / label}.db"


def make_engine(url: str) -> Engine:
    """A peer's engine, set up as fokus's own (service/core/db.py) so that the database
    costs the same on both sides: SQLite in WAL with synchronous=NORMAL."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=2)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


# --- the rows of the two state-machine peers: the ORM models a team would write --------


class Base(DeclarativeBase):
    pass


class Case(Base):
    """An instance of the process: its state, and a version the ORM checks and bumps on
    every UPDATE (optimistic locking, SQLAlchemy's version_id_col)."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseHistory(Base):
    """One row per transition: who moved the case from where to where, and when."""

    __tablename__ = "case_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column()


def seed_cases(engine: Engine, instances: int) -> list[int]:
    """The tables and `instances` cases in their initial state; returns their ids."""
    Base.metadata.create_all(engine)
    at = now()
    with engine.begin() as connection:
        connection.execute(
            insert(Case),
            [{"state": STATES[0], "version": 1, "updated_at": at} for _ in range(instances)],
        )
        return list(connection.execute(select(Case.id).order_by(Case.id)).scalars())
