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
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

from service.engagements import search

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
    # every existing row, by the rules the application writes new ones by
    search.fill(op.get_bind(), ZoneInfo(os.environ.get("FOKUS_TIMEZONE") or "Europe/Berlin"))
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
