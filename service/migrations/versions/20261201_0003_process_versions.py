"""engagements carry their process and its version

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # every engagement before this revision ran the one built-in process, version 1
    with op.batch_alter_table("engagements") as batch:
        batch.add_column(
            sa.Column(
                "process",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="fokusberatung",
            )
        )
        batch.add_column(
            sa.Column("process_version", sa.Integer(), nullable=False, server_default="1")
        )
        # milestones count from the funding start (before: only its end was kept)
        batch.add_column(
            sa.Column("funding_starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.create_index(
        "ix_engagements_process", "engagements", ["process", "process_version", "state"]
    )


def downgrade() -> None:
    op.drop_index("ix_engagements_process", table_name="engagements")
    with op.batch_alter_table("engagements") as batch:
        batch.drop_column("funding_starts_at")
        batch.drop_column("process_version")
        batch.drop_column("process")
