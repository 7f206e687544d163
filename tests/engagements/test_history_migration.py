"""Migration 0005 keeps old history entries readable, on SQLite and PostgreSQL: the former
kinds become `transition` (a stage change, a process migration) or `change`; owner and
deadline notes in their raw form ("owner: A → B", "reason (deadline X → Y)") become
details, so the Verlauf says them in German like new entries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from service.core.context import Context
from service.core.db import Database
from service.core.migrate import upgrade
from service.engagements import history
from tests.postgres import PostgresServer

LEGACY = [
    ("transition", "approve", "application", "onboarding", "Bescheid da"),
    ("update", None, "onboarding", "onboarding", "owner: None → Lena Vogel; contact_name: A → B"),
    (
        "deadline",
        None,
        "onboarding",
        "onboarding",
        "Rat tagt später (deadline 2026-03-31T23:59:59+02:00 → 2026-04-20T23:59:59+02:00)",
    ),
    ("update", None, "onboarding", "onboarding", "owner: odd; text"),  # does not parse
    ("migrate", "migrate", "onboarding", "onboarding", "fokusberatung v1 → fokusberatung v2"),
]


@pytest.fixture
def empty_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database no migration has run on yet."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.unique_name("h5")
    yield server.create_database(name)
    server.drop_database(name)


def test_old_entries_are_kinds_and_summaries_after_0005(empty_url: str, ctx: Context) -> None:
    db = Database(empty_url)
    try:
        upgrade(db, "0004")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO engagements (id, municipality, applicant_type, federal_state,"
                    " contact_name, contact_email, language, state, version, stage_entered_at,"
                    " created_at, updated_at, process, process_version, krl_version,"
                    " has_integrated_concept, escalation_count, funding_warnings_sent)"
                    " VALUES (1, 'Markt Grünau', 'municipality', 'BY', 'B', 'b@example.org',"
                    " 'de', 'onboarding', 5, :at, :at, :at, 'fokusberatung', 2, '2020',"
                    " false, 0, 0)"
                ),
                {"at": "2026-03-02 08:00:00"},
            )
            for kind, trigger, before, after, note in LEGACY:
                conn.execute(
                    text(
                        "INSERT INTO engagement_history (engagement_id, kind, from_state,"
                        " to_state, trigger, actor, note, at)"
                        " VALUES (1, :kind, :before, :after, :trigger, 'Lena Vogel', :note, :at)"
                    ),
                    {
                        "kind": kind,
                        "before": before,
                        "after": after,
                        "trigger": trigger,
                        "note": note,
                        "at": "2026-03-02 08:00:00",
                    },
                )
        upgrade(db)
        with Session(db.engine) as session:
            items = history.public(session, ctx, 1)
    finally:
        db.dispose()
    assert [(i.kind, i.action) for i in items] == [
        ("transition", "transition"),
        ("change", "changed"),
        ("change", "deadline"),
        ("change", "changed"),
        ("transition", "migrated"),
    ]
    assert [i.summary_de for i in items] == [
        "Phase gewechselt: Antrag → Auftaktgespräch und Bestandsaufnahme vor Ort (Bewilligen)",
        "Zuständigkeit: – → Lena Vogel; Ansprechperson: A → B",
        "Frist verlängert auf 20.04.2026: Rat tagt später",
        "Angaben geändert",  # the note keeps what was written
        "Auf neue Fassung des Verfahrens umgestellt",
    ]
    assert [i.note for i in items] == [
        "Bescheid da",
        None,
        "Rat tagt später",
        "owner: odd; text",
        "fokusberatung v1 → fokusberatung v2",
    ]
    assert items[0].at.utcoffset() is not None
