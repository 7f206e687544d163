"""the overview at 100 000 engagements (issue 16): counts kept, indexes in its order

- `engagement_counts`: how many engagements each (firm, process, stage) has, kept by
  triggers on `engagements` in the same transaction as every insert, delete and change of
  firm, process or stage, whoever writes (the services, `fokus demo`'s Core bulk insert,
  a process migration). The overview's stage counts and total read these few rows instead
  of counting the table. `slot` spreads the counters of one key over 16 rows on
  PostgreSQL (the transaction id modulo 16), so that concurrent transitions into the same
  stage seldom wait for each other's row lock; SQLite writes one at a time and uses slot 0.
  A count is the sum over the slots; a slot's value alone may be negative.
- `ix_engagements_due` becomes (stage_due_at, id), the overview's order; on SQLite the
  rowid was in it already, PostgreSQL now reads a page in that order from the index.
- `ix_engagements_federal_state_due` (federal_state, stage_due_at): "due within N working
  days" is one deadline range per federal state, each counted from this index alone.
- `ix_engagements_owner_key` becomes (owner_key, owner): the owners' filter is read by
  skipping from one owner to the next in it, not by reading every row.

SQLite drops a table's triggers with the table: a later migration that copies
`engagements` in batch mode must create them again (`create_triggers()` below); the
tests compare the counts with a GROUP BY after every kind of change, at head.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString

_SQLITE_BUMP = """
    INSERT INTO engagement_counts (firm, process, state, slot, n)
    VALUES (coalesce({row}.firm, ''), {row}.process, {row}.state, 0, {delta})
    ON CONFLICT (firm, process, state, slot) DO UPDATE SET n = n + excluded.n;
"""

SQLITE_TRIGGERS = (
    "CREATE TRIGGER engagement_counts_insert AFTER INSERT ON engagements BEGIN"
    + _SQLITE_BUMP.format(row="NEW", delta=1)
    + "END",
    "CREATE TRIGGER engagement_counts_delete AFTER DELETE ON engagements BEGIN"
    + _SQLITE_BUMP.format(row="OLD", delta=-1)
    + "END",
    "CREATE TRIGGER engagement_counts_update AFTER UPDATE OF firm, process, state "
    "ON engagements WHEN OLD.firm IS NOT NEW.firm OR OLD.process IS NOT NEW.process "
    "OR OLD.state IS NOT NEW.state BEGIN"
    + _SQLITE_BUMP.format(row="OLD", delta=-1)
    + _SQLITE_BUMP.format(row="NEW", delta=1)
    + "END",
)

# the two keys of an update are bumped in key order, so two transactions moving
# engagements in opposite directions in the same slot wait, never deadlock
POSTGRESQL_FUNCTIONS = (
    """
CREATE FUNCTION engagement_counts_bump(f text, p text, s text, d integer)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO engagement_counts AS c (firm, process, state, slot, n)
    VALUES (f, p, s, (txid_current() % 16)::integer, d)
    ON CONFLICT (firm, process, state, slot) DO UPDATE SET n = c.n + excluded.n
$$
""",
    """
CREATE FUNCTION engagement_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM engagement_counts_bump(coalesce(NEW.firm, ''), NEW.process, NEW.state, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM engagement_counts_bump(coalesce(OLD.firm, ''), OLD.process, OLD.state, -1);
    ELSIF OLD.firm IS DISTINCT FROM NEW.firm OR OLD.process IS DISTINCT FROM NEW.process
            OR OLD.state IS DISTINCT FROM NEW.state THEN
        IF (coalesce(OLD.firm, ''), OLD.process, OLD.state)
                < (coalesce(NEW.firm, ''), NEW.process, NEW.state) THEN
            PERFORM engagement_counts_bump(coalesce(OLD.firm, ''), OLD.process, OLD.state, -1);
            PERFORM engagement_counts_bump(coalesce(NEW.firm, ''), NEW.process, NEW.state, 1);
        ELSE
            PERFORM engagement_counts_bump(coalesce(NEW.firm, ''), NEW.process, NEW.state, 1);
            PERFORM engagement_counts_bump(coalesce(OLD.firm, ''), OLD.process, OLD.state, -1);
        END IF;
    END IF;
    RETURN NULL;
END
$$
""",
)

POSTGRESQL_TRIGGERS = (
    "CREATE TRIGGER engagement_counts_insert_delete AFTER INSERT OR DELETE ON engagements "
    "FOR EACH ROW EXECUTE FUNCTION engagement_counts_change()",
    "CREATE TRIGGER engagement_counts_update AFTER UPDATE OF firm, process, state "
    "ON engagements FOR EACH ROW EXECUTE FUNCTION engagement_counts_change()",
)


def create_triggers() -> None:
    """The triggers that keep `engagement_counts` (again, after a batch-mode copy)."""
    if op.get_bind().dialect.name == "sqlite":
        statements: Sequence[str] = SQLITE_TRIGGERS
    else:
        statements = POSTGRESQL_TRIGGERS
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "engagement_counts",
        sa.Column("firm", _text(length=200), nullable=False),
        sa.Column("process", _text(length=40), nullable=False),
        sa.Column("state", _text(length=40), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("firm", "process", "state", "slot"),
    )
    if op.get_bind().dialect.name != "sqlite":
        for statement in POSTGRESQL_FUNCTIONS:
            op.execute(statement)
    # triggers first: on PostgreSQL creating one locks out writers until this commits,
    # so no row is written between the count below and the triggers taking over
    create_triggers()
    op.execute(
        "INSERT INTO engagement_counts (firm, process, state, slot, n) "
        "SELECT coalesce(firm, ''), process, state, 0, count(*) FROM engagements "
        "GROUP BY coalesce(firm, ''), process, state"
    )
    op.drop_index("ix_engagements_due", table_name="engagements")
    op.create_index("ix_engagements_due", "engagements", ["stage_due_at", "id"], unique=False)
    op.create_index(
        "ix_engagements_federal_state_due",
        "engagements",
        ["federal_state", "stage_due_at"],
        unique=False,
    )
    op.drop_index("ix_engagements_owner_key", table_name="engagements")
    op.create_index("ix_engagements_owner_key", "engagements", ["owner_key", "owner"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_engagements_owner_key", table_name="engagements")
    op.create_index("ix_engagements_owner_key", "engagements", ["owner_key"], unique=False)
    op.drop_index("ix_engagements_federal_state_due", table_name="engagements")
    op.drop_index("ix_engagements_due", table_name="engagements")
    op.create_index("ix_engagements_due", "engagements", ["stage_due_at"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER engagement_counts_{name}")
    else:
        op.execute("DROP TRIGGER engagement_counts_insert_delete ON engagements")
        op.execute("DROP TRIGGER engagement_counts_update ON engagements")
        op.execute("DROP FUNCTION engagement_counts_change()")
        op.execute("DROP FUNCTION engagement_counts_bump(text, text, text, integer)")
    op.drop_table("engagement_counts")
