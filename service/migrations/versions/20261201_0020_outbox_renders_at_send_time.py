"""the outbox can hold what to render instead of the rendered mail (issue 16)

A stage notice is queued inside every transition, once per recipient; rendering its
letter there made a transition with 30 participants cost six times one with one. Such a
row now stores the template (`template`), the letter's language (`language`) and its
parameters as JSON (`params`, which holds the recipient's name and salutation: personal
data, scrubbed on erasure like `to_addr`); the dispatcher renders the bodies when it
sends. `subject` stays filled (the API and the dashboard list it). Rows with bodies, as
before, still send as they are, so `body_text` and `body_html` become optional.

Revision ID: 0020
Revises: 0010
Create Date: 2026-12-01 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", _text(length=40), nullable=True))
        batch_op.add_column(sa.Column("language", _text(length=5), nullable=True))
        batch_op.add_column(sa.Column("params", sa.Text(), nullable=True))
        batch_op.alter_column("body_text", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("body_html", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # the old schema cannot hold a row that is still to be rendered: send it first
    bind = op.get_bind()
    pending = bind.execute(
        sa.text(
            "SELECT count(*) FROM outbox_messages WHERE body_text IS NULL AND status = 'queued'"
        )
    ).scalar()
    if pending:
        raise RuntimeError(
            f"{pending} queued message(s) are rendered at send time; send them before "
            "downgrading below 0020"
        )
    bind.execute(
        sa.text("UPDATE outbox_messages SET body_text = '', body_html = '' WHERE body_text IS NULL")
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.alter_column("body_html", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("body_text", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("params")
        batch_op.drop_column("language")
        batch_op.drop_column("template")
