"""invitations people are glad to get (issue 15): salutation, agenda, capacity, Reply-To

`participants.salutation` ("frau" | "herr" | null) lets a letter open with
"Sehr geehrte Frau Klein," instead of the full name; `workshops.agenda` (free text)
is shown in the invitation and on the RSVP page; `workshops.capacity` (null: no
limit) sends acceptances beyond it to the waiting list; `outbox_messages.reply_to`
is the address a reply goes to (the owner's once owners have addresses, else
FOKUS_REPLY_TO), fixed when the mail is queued like its text. All are nullable, so
existing rows keep their meaning without a backfill.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("salutation", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True)
        )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agenda", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reply_to", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_column("capacity")
        batch_op.drop_column("agenda")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("salutation")
