"""Search folds umlauts and case (the contract: `q=grunau` finds "Markt Grünau"), in the
API's list and (tests/web/test_overview.py) the overview: ä as a or ae both ways, ß as
ss, any case; it also finds the file number and the contact's name. The folded column is
written on every change of what it folds, backfilled by migration 0006 for rows that
existed before, and indexed (a trigram index on PostgreSQL). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import column, inspect, select, text
from sqlalchemy import table as sa_table
from sqlmodel import col

from service.core.context import Context
from service.core.db import Database
from service.core.migrate import alembic_config, upgrade
from service.demo import load_bulk
from service.engagements import search
from service.engagements.models import Engagement
from tests.support import Api


def _found(staff: Api, q: str, **params: str) -> list[str]:
    body = staff.ok(staff.get("/api/v1/engagements", params={"q": q, "limit": 500, **params}))
    return sorted(item["municipality"] for item in body["items"])


def test_q_folds_case_umlauts_and_sharp_s(staff: Api) -> None:
    staff.engagement(municipality="Markt Grünau")
    staff.engagement(municipality="Gemeinde Gruenau am See")
    staff.engagement(municipality="Stadt Großenhain")
    staff.engagement(municipality="Gemeinde Grunewald")
    staff.engagement(municipality="Ölsnitz/Erzgeb.")
    both = ["Gemeinde Gruenau am See", "Markt Grünau"]
    assert _found(staff, "grunau") == ["Markt Grünau"]  # the contract's example
    assert _found(staff, "GRUNAU") == ["Markt Grünau"]
    assert _found(staff, "Gruenau") == both  # ue finds ü
    assert _found(staff, "grünau") == both  # and ü finds ue
    assert _found(staff, "GRÜNAU") == both
    assert _found(staff, "grossenhain") == ["Stadt Großenhain"]
    assert _found(staff, "Großenhain") == ["Stadt Großenhain"]
    assert _found(staff, "GROSSEN") == ["Stadt Großenhain"]
    assert _found(staff, "olsnitz") == ["Ölsnitz/Erzgeb."]
    assert _found(staff, "oelsnitz") == ["Ölsnitz/Erzgeb."]
    assert _found(staff, "  markt   grünau ") == ["Markt Grünau"]  # spaces as one
    assert _found(staff, "grunewald") == ["Gemeinde Grunewald"]
    # LIKE's wildcards are literal characters, not "anything"
    assert _found(staff, "%") == []
    assert _found(staff, "_") == []
    assert _found(staff, "gr_nau") == []


def test_q_finds_the_file_number_and_the_contact(staff: Api) -> None:
    first = staff.engagement(municipality="Markt Grünau", contact_name="Jörg Weiß")
    second = staff.engagement(municipality="Markt Grünau", contact_name="Anna Schmidt")
    assert first["file_number"] != second["file_number"]  # the same name, told apart
    assert _found(staff, second["file_number"]) == ["Markt Grünau"]
    by_number = staff.ok(
        staff.get("/api/v1/engagements", params={"q": second["file_number"].lower()})
    )
    assert [i["id"] for i in by_number["items"]] == [second["id"]]
    assert _found(staff, "weiss") == ["Markt Grünau"]
    assert _found(staff, "joerg") == ["Markt Grünau"]
    assert _found(staff, "schmidt") == ["Markt Grünau"]
    # the column follows a change of the contact
    staff.ok(
        staff.patch(f"/api/v1/engagements/{second['id']}", json={"contact_name": "Petra Müller"})
    )
    found = staff.ok(staff.get("/api/v1/engagements", params={"q": "mueller"}))["items"]
    assert [i["id"] for i in found] == [second["id"]]
    assert staff.ok(staff.get("/api/v1/engagements", params={"q": "schmidt"}))["total"] == 0


def test_search_combines_with_the_other_filters(staff: Api) -> None:
    staff.engagement(municipality="Markt Grünau", owner="Jonas Becker")
    staff.engagement(municipality="Grünau-Süd", owner="Lena Vogel")
    owned = staff.ok(
        staff.get("/api/v1/engagements", params={"q": "grunau", "owner": "Lena Vogel"})
    )
    assert [i["municipality"] for i in owned["items"]] == ["Grünau-Süd"]
    assert owned["total"] == 1


def test_file_numbers_are_prefix_year_and_id(staff: Api) -> None:
    created = staff.engagement()
    assert created["file_number"] == f"FB-2026-{created['id']:04d}"
    assert search.file_number("klimaschutzmanagement", 2027, 12345) == "KSM-2027-12345"
    assert search.file_number("toy_process", 2026, 7) == "TP-2026-0007"
    read = staff.ok(staff.get(f"/api/v1/engagements/{created['id']}"))
    assert read["file_number"] == created["file_number"]


def test_the_search_column_is_indexed(ctx: Context, db_backend: str) -> None:
    with ctx.db.engine.connect() as conn:
        indexes = {i["name"]: i for i in inspect(conn).get_indexes("engagements")}
        assert "ix_engagements_search" in indexes
        assert indexes["ix_engagements_file_number"]["unique"]
        if db_backend == "postgresql":
            definition = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_engagements_search'")
            ).scalar_one()
            assert "gin" in definition and "gin_trgm_ops" in definition
            conn.execute(text("SET enable_seqscan = off"))  # a tiny table: ask for the index
            plan = "\n".join(
                row[0]
                for row in conn.execute(
                    text("EXPLAIN SELECT id FROM engagements WHERE search_text LIKE '%grunau%'")
                )
            )
            assert "ix_engagements_search" in plan, plan


def test_migration_0006_backfills_existing_rows(database_url: str) -> None:
    """Rows written before 0006 get their file number and search text on upgrade."""
    db = Database(database_url)
    config = alembic_config()
    try:
        upgrade(db)
        with db.engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0005")
            conn.commit()
        table = Engagement.__table__  # type: ignore[attr-defined]
        values = {
            "applicant_type": "municipality",
            "federal_state": "BY",
            "contact_name": "Jörg Weiß",
            "contact_email": "j@example.org",
            "language": "de",
            "process": "fokusberatung",
            "process_version": 1,
            "krl_version": "2024",
            "has_integrated_concept": False,
            "state": "application",
            "version": 1,
            "stage_entered_at": datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
            "escalation_count": 0,
            "funding_warnings_sent": 0,
            "created_at": datetime(2025, 12, 31, 23, 30, tzinfo=UTC),  # 2026 in Berlin
            "updated_at": datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
        }
        # the table as 0005 had it: the model's types, without the columns 0006 adds
        before = sa_table(
            "engagements",
            *(column(name, table.c[name].type) for name in [*values, "municipality", "owner"]),
        )
        with db.engine.begin() as conn:
            for municipality, owner in (("Markt Grünau", "Referent 10"), ("Großenhain", None)):
                conn.execute(
                    before.insert().values(**values, municipality=municipality, owner=owner)
                )
        upgrade(db)
        with db.engine.connect() as conn:
            rows = conn.execute(
                select(
                    table.c.id, table.c.file_number, table.c.search_text, table.c.owner_key
                ).order_by(table.c.id)
            ).all()
        assert [r.file_number for r in rows] == [
            f"FB-2026-{rows[0].id:04d}",
            f"FB-2026-{rows[1].id:04d}",
        ]
        assert rows[0].search_text == search.search_text(
            "Markt Grünau", "Jörg Weiß", rows[0].file_number
        )
        assert "markt grunau" in rows[0].search_text and "markt gruenau" in rows[0].search_text
        assert "grossenhain" in rows[1].search_text
        assert rows[0].owner_key == "referent 0000000010"
        assert rows[1].owner_key is None
    finally:
        db.dispose()


def test_the_stored_search_text_has_both_folded_forms(ctx: Context, staff: Api) -> None:
    """Written with the row: found at once, no sweep or later backfill."""
    eid = staff.engagement(municipality="Bad Äpfelsheim")["id"]
    with ctx.db.read() as session:
        stored = session.execute(
            select(col(Engagement.search_text)).where(col(Engagement.id) == eid)
        ).scalar_one()
    assert stored.startswith("bad apfelsheim ")
    assert search.SEPARATOR + "bad aepfelsheim " in stored


def test_bulk_rows_of_the_demo_get_file_numbers_and_are_found(ctx: Context, staff: Api) -> None:
    """`fokus demo --engagements N` inserts rows in bulk: each batch gets its file
    numbers and search columns in the same transaction (search.fill)."""
    load_bulk(ctx, 7, batch=3)
    rows = staff.ok(staff.get("/api/v1/engagements", params={"limit": 500}))["items"]
    assert len(rows) == 7
    for r in rows:  # created up to 200 days back: the year of its creation, local time
        assert r["file_number"] == f"FB-{r['created_at'][:4]}-{r['id']:04d}"
    found = staff.ok(staff.get("/api/v1/engagements", params={"q": "BULKGEMEINDE 5"}))
    assert [i["municipality"] for i in found["items"]] == ["Bulkgemeinde 5"]
    by_owner = staff.ok(staff.get("/api/v1/engagements", params={"sort": "owner", "limit": 500}))
    keys = [search.natural(i["owner"]) for i in by_owner["items"]]
    assert keys == sorted(keys)
