"""file number (Aktenzeichen) and a folded search column for engagements

`file_number` ("FB-2026-0042": process prefix, year of creation in FOKUS_TIMEZONE, id),
`search_text` (municipality, file number and contact name folded for a search that
ignores case and umlaut spellings) and `owner_key` (owners in natural order), backfilled
for existing rows with the rules the application writes them by
(service/engagements/search.py). On PostgreSQL the search column gets a trigram index
(extension pg_trgm, trusted since PostgreSQL 13: the database's owner may create it), so
`LIKE '%grunau%'` does not read the whole table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:00:00
"""

import os
from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

from service.engagements import search

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2_000


def _backfill() -> None:
    """Every existing row, in batches of `_BATCH` (one executemany each)."""
    bind = op.get_bind()
    tz = ZoneInfo(os.environ.get("FOKUS_TIMEZONE") or "Europe/Berlin")
    table = sa.table(
        "engagements",
        sa.column("id", sa.Integer),
        sa.column("process", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("municipality", sa.String),
        sa.column("contact_name", sa.String),
        sa.column("owner", sa.String),
        sa.column("file_number", sa.String),
        sa.column("search_text", sa.String),
        sa.column("owner_key", sa.String),
    )
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("_id"))
        .values(
            file_number=sa.bindparam("file_number"),
            search_text=sa.bindparam("search_text"),
            owner_key=sa.bindparam("owner_key"),
        )
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(
                table.c.id,
                table.c.process,
                table.c.created_at,
                table.c.municipality,
                table.c.contact_name,
                table.c.owner,
            )
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        values = []
        for row in rows:
            created = row.created_at
            if created.tzinfo is None:  # SQLite returns the stored UTC time without offset
                created = created.replace(tzinfo=UTC)
            number = search.file_number(row.process, created.astimezone(tz).year, row.id)
            values.append(
                {
                    "_id": row.id,
                    "file_number": number,
                    **search.derived(row.municipality, row.contact_name, row.owner, number),
                }
            )
        bind.execute(update, values)
        last = rows[-1].id


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("file_number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "search_text",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("owner_key", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
        )
    _backfill()
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.create_index("ix_engagements_file_number", ["file_number"], unique=True)
        batch_op.create_index("ix_engagements_owner_key", ["owner_key"], unique=False)
        batch_op.create_index(
            "ix_engagements_search",
            ["search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )


def downgrade() -> None:
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_index("ix_engagements_search")
        batch_op.drop_index("ix_engagements_owner_key")
        batch_op.drop_index("ix_engagements_file_number")
        batch_op.drop_column("owner_key")
        batch_op.drop_column("search_text")
        batch_op.drop_column("file_number")
