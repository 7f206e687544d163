"""the portfolio: public progress pages (engagements.public, public_slug, vision_summary)
and calendar feeds

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("only_owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feeds_owner"), ["owner"], unique=False)

    with op.batch_alter_table("engagements", schema=None) as batch_op:
        # the default as a string: an SQL expression would make SQLite copy the table
        batch_op.add_column(
            sa.Column("public", sa.Boolean(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("public_slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "vision_summary", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True
            )
        )
    # an index, not a constraint: a constraint would make SQLite's batch mode copy the
    # table, and dropping the old engagements table cascades into every table that refers
    # to it (the history would be emptied)
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.create_index("ix_engagements_public_slug", ["public_slug"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_index("ix_engagements_public_slug")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_column("vision_summary")
        batch_op.drop_column("public_slug")
        batch_op.drop_column("public")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_owner"))
    op.drop_table("calendar_feeds")
