"""structured history entries: what changed (subject, subject_id, action) and the fields
before and after (details, JSON text), so the Verlauf can say it in German and English

Entry kinds become `transition` (a stage change, a process migration) and `change`
(everything else); the former kinds update/deadline/follow_up/migrate live on as actions.
Old notes in the raw form "owner: A → B" and "reason (deadline X → Y)" are turned into
details where they parse; others keep their note as it was.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:40:00
"""

import json
import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEADLINE_NOTE = re.compile(r"^(?P<reason>.*) \(deadline (?P<before>\S+) → (?P<after>\S+)\)$", re.S)
_ENGAGEMENT_FIELDS = {"owner", "contact_name", "contact_email"}


def _update_details(note: str) -> dict[str, dict[str, str | None]] | None:
    """'owner: A → B; contact_name: C → D' as {field: {before, after}}, or None."""
    details: dict[str, dict[str, str | None]] = {}
    for part in note.split("; "):
        field, sep, change = part.partition(": ")
        before, arrow, after = change.partition(" → ")
        if not sep or not arrow or field not in _ENGAGEMENT_FIELDS:
            return None
        details[field] = {
            "before": None if before == "None" else before,
            "after": None if after == "None" else after,
        }
    return details


def upgrade() -> None:
    with op.batch_alter_table("engagement_history") as batch:
        batch.add_column(
            sa.Column(
                "subject",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="engagement",
            )
        )
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "action",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="changed",
            )
        )
        batch.add_column(sa.Column("details", sa.Text(), nullable=True))

    history = sa.table(
        "engagement_history",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("trigger", sa.String()),
        sa.column("subject", sa.String()),
        sa.column("action", sa.String()),
        sa.column("note", sa.String()),
        sa.column("details", sa.Text()),
    )
    conn = op.get_bind()
    # kinds and actions: cheap set-based updates first
    conn.execute(history.update().where(history.c.kind == "transition").values(action="transition"))
    conn.execute(
        history.update()
        .where(history.c.kind == "migrate")
        .values(kind="transition", action="migrated")
    )
    conn.execute(
        history.update()
        .where(history.c.kind == "follow_up")
        .values(kind="change", action="follow_up")
    )
    conn.execute(
        history.update()
        .where(history.c.kind == "change", history.c.note.like("Zuwendungsbescheid%"))
        .values(subject="grant", action="changed")
    )
    conn.execute(
        history.update()
        .where(history.c.kind == "change", history.c.note.like("record %"))
        .values(subject="record", action="added")
    )
    conn.execute(
        history.update()
        .where(history.c.kind == "change", history.c.note.like("consulting days%"))
        .values(subject="consulting_day", action="added")
    )
    # owner/contact and deadline notes: parsed into details where they parse
    rows = conn.execute(
        sa.select(history.c.id, history.c.kind, history.c.note).where(
            history.c.kind.in_(("update", "deadline"))
        )
    ).all()
    for row_id, kind, note in rows:
        values: dict[str, str | None] = {"kind": "change"}
        if kind == "update":
            values["action"] = "changed"
            parsed = _update_details(note or "")
            if parsed is not None:
                values["details"] = json.dumps({"fields": parsed}, ensure_ascii=False)
                values["note"] = None
        else:
            values["action"] = "deadline"
            match = _DEADLINE_NOTE.match(note or "")
            if match is not None:
                before = None if match["before"] == "none" else match["before"]
                values["details"] = json.dumps(
                    {"fields": {"stage_due_at": {"before": before, "after": match["after"]}}}
                )
                values["note"] = match["reason"]
        conn.execute(history.update().where(history.c.id == row_id).values(**values))


def downgrade() -> None:
    history = sa.table(
        "engagement_history",
        sa.column("kind", sa.String()),
        sa.column("subject", sa.String()),
        sa.column("action", sa.String()),
    )
    conn = op.get_bind()
    # the notes parsed into details stay as they are now (the reason only)
    conn.execute(
        history.update()
        .where(history.c.subject == "engagement", history.c.action == "changed")
        .values(kind="update")
    )
    conn.execute(history.update().where(history.c.action == "migrated").values(kind="migrate"))
    conn.execute(history.update().where(history.c.action == "deadline").values(kind="deadline"))
    conn.execute(history.update().where(history.c.action == "follow_up").values(kind="follow_up"))
    with op.batch_alter_table("engagement_history") as batch:
        batch.drop_column("details")
        batch.drop_column("action")
        batch.drop_column("subject_id")
        batch.drop_column("subject")
