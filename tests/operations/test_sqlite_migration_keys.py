"""A migration that copies a table on SQLite (Alembic's batch mode: create a new table,
copy, drop the old one) must not empty the tables that refer to it: with foreign keys on,
dropping `engagements` cascades (ON DELETE CASCADE) into the history, the participants
and the rest. service/core/migrate.py turns the keys off while migrating and checks them
afterwards, as SQLite's documentation prescribes."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, text

from service.core.db import Database
from service.core.migrate import _exclusive, upgrade

pytestmark = pytest.mark.timeout(60)


def _seed(db: Database) -> None:
    with db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO engagements (id, municipality, applicant_type, federal_state,"
                " contact_name, contact_email, language, state, version, stage_entered_at,"
                " created_at, updated_at, process, process_version, krl_version,"
                " has_integrated_concept, escalation_count, funding_warnings_sent, public)"
                " VALUES (1, 'Markt Grünau', 'municipality', 'BY', 'B', 'b@example.org', 'de',"
                " 'onboarding', 1, :at, :at, :at, 'fokusberatung', 2, '2024', false, 0, 0, false)"
            ),
            {"at": "2026-03-02 08:00:00"},
        )
        c.execute(
            text(
                "INSERT INTO engagement_history (engagement_id, kind, actor, at)"
                " VALUES (1, 'transition', 'Lena Vogel', :at)"
            ),
            {"at": "2026-03-02 08:00:00"},
        )


def _copy_engagements(connection: Connection) -> None:
    with Operations(MigrationContext.configure(connection)).batch_alter_table(
        "engagements", recreate="always"
    ):
        pass
    connection.commit()


def _history_rows(db: Database) -> int:
    with db.engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM engagement_history")).scalar_one())


def test_a_table_copy_during_migration_keeps_the_rows_that_refer_to_it(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fokus.db'}")
    try:
        upgrade(db)
        _seed(db)
        with _exclusive(db) as connection:
            _copy_engagements(connection)
        assert _history_rows(db) == 1
    finally:
        db.dispose()


def test_without_it_the_copy_would_cascade(tmp_path: Path) -> None:
    """The hazard the guard exists for: the same copy on an ordinary connection (foreign
    keys on) empties the history."""
    db = Database(f"sqlite:///{tmp_path / 'fokus.db'}")
    try:
        upgrade(db)
        _seed(db)
        with db.engine.connect() as connection:
            _copy_engagements(connection)
        assert _history_rows(db) == 0
    finally:
        db.dispose()
