"""automatic RSVP reminders (issue 15): `workshops.rsvp_reminder_at`

The moment the automatic reminder to invitees who have not answered falls due
(08:00 local, FOKUS_RSVP_REMINDER_WORKING_DAYS working days of the engagement's
federal state before the workshop's day). The sweep claims a workshop by a
conditional UPDATE that clears it, as the deadline sweeps do, so two replicas never
remind twice. Existing upcoming workshops get no automatic reminder (null): their
invitations went out before reminders existed; moving such a workshop schedules one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rsvp_reminder_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index("ix_workshops_rsvp_reminder_at", ["rsvp_reminder_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index("ix_workshops_rsvp_reminder_at")
        batch_op.drop_column("rsvp_reminder_at")
