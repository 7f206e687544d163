"""`fokus db upgrade` on one database from several processes at once: every process
succeeds and the schema is applied once (PostgreSQL: an advisory lock; SQLite: a file
lock). Also: migrations applied on both databases give the schema the models describe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlmodel import SQLModel

import service.models  # noqa: F401  (every table on the metadata)
from service.core.db import Database
from service.core.migrate import alembic_config, upgrade
from tests.postgres import PostgresServer
from tests.support import wait_until

FOKUS = str(Path(sys.executable).parent / "fokus")
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade_concurrently(url: str, cwd: Path, processes: int) -> None:
    env = {"FOKUS_DATABASE_URL": url, "FOKUS_SECRET_KEY": "x", "FOKUS_LOG_FORMAT": "json"}
    running = [
        subprocess.Popen(
            [FOKUS, "db", "upgrade"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for proc in running:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (out, err)
        assert "database at head" in out


def _assert_at_head(url: str) -> None:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            assert [v for (v,) in versions] == [HEAD]
            tables = set(inspect(conn).get_table_names())
            assert {"engagements", "outbox_messages", "engagement_history"} <= tables
    finally:
        db.dispose()


@pytest.mark.postgres
def test_four_processes_upgrade_one_fresh_postgres_database_at_once(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    name = postgres_server.unique_name("race")
    url = postgres_server.create_database(name)  # empty: the migrations really run
    try:
        _upgrade_concurrently(url, tmp_path, 4)
        _assert_at_head(url)
        _upgrade_concurrently(url, tmp_path, 2)  # again on an existing database: a no-op
        _assert_at_head(url)
    finally:
        postgres_server.drop_database(name)


def test_four_processes_upgrade_one_fresh_sqlite_database_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    _upgrade_concurrently(url, tmp_path, 4)
    _assert_at_head(url)


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    """On both databases (db_backend parametrizes `database_url`): nothing in the models
    that a migration forgot (and no type that differs)."""
    db = Database(database_url)
    try:
        upgrade(db)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == []
    finally:
        db.dispose()


def _waiting_for_the_lock(conn: Connection, lock_id: int) -> bool:
    """Whether another session waits for the advisory lock `lock_id` (a bigint key shows
    in pg_locks as classid = high, objid = low 32 bits, objsubid = 1)."""
    waiting = conn.execute(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND classid = :high AND objid = :low AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": lock_id >> 32, "low": lock_id & 0xFFFFFFFF},
    ).scalar_one()
    conn.commit()  # a fresh snapshot for the next look
    return int(waiting) > 0


@pytest.mark.postgres
def test_an_advisory_lock_holder_blocks_a_second_upgrade(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """While one process holds the migration lock, another `fokus db upgrade` waits."""
    from service.core.migrate import ADVISORY_LOCK_ID

    name = postgres_server.unique_name("lock")
    url = postgres_server.create_database(name)
    db = Database(url)
    try:
        with db.engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID})
            holder.commit()
            env = {"FOKUS_DATABASE_URL": url, "FOKUS_SECRET_KEY": "x"}
            proc = subprocess.Popen(
                [FOKUS, "db", "upgrade"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )

            # the upgrade's session is seen queued behind the holder's lock (pg_locks), not
            # merely "still running after a while"; and meanwhile it has migrated nothing
            def queued() -> bool:
                assert proc.poll() is None, f"did not wait for the lock: {proc.communicate()}"
                return _waiting_for_the_lock(holder, ADVISORY_LOCK_ID)

            wait_until(queued, timeout=60)
            assert "alembic_version" not in inspect(holder).get_table_names()
            holder.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
            holder.commit()
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, (out, err)
        _assert_at_head(url)
    finally:
        db.dispose()
        postgres_server.drop_database(name)
