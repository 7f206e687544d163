"""people and access (issue 14): accounts, firms as tenants, the municipality's portal

- `users` (email and Argon2 password, role, firm, lock-out counters) and
  `password_tokens` (one-time links to set a password);
- `api_keys.user_id` (a key that acts as an account) and `api_keys.firm`;
- `dashboard_sessions.user_id`, and `key_id` becomes optional (a session is opened
  with a key or with a password);
- `engagements.firm` and `calendar_feeds.firm` (the tenant, by name);
- `portal_links` (read-only links for the municipality's contact person).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", _text(length=254), nullable=False),
        sa.Column("name", _text(length=200), nullable=False),
        sa.Column("role", _text(length=20), nullable=False),
        sa.Column("firm", _text(length=200), nullable=True),
        sa.Column("password_hash", _text(length=200), nullable=True),
        sa.Column("password_changed_at", _time(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", _time(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("disabled_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_index("ix_users_firm", "users", ["firm"], unique=False)
    op.create_table(
        "password_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", _text(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.Column("used_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_password_tokens_user_id", "password_tokens", ["user_id"], unique=False)
    op.create_table(
        "portal_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", _text(length=64), nullable=False),
        sa.Column("email", _text(length=254), nullable=False),
        sa.Column("created_by", _text(length=200), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.Column("revoked_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(
        "ix_portal_links_engagement_id", "portal_links", ["engagement_id"], unique=False
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("firm", _text(length=200), nullable=True))
        batch_op.create_index("ix_api_keys_user_id", ["user_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_api_keys_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.alter_column("key_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_dashboard_sessions_user_id", ["user_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_dashboard_sessions_user_id_users",
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("firm", _text(length=200), nullable=True))
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.create_index("ix_engagements_firm", ["firm"], unique=False)
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("firm", _text(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_column("firm")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_index("ix_engagements_firm")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_column("firm")
    op.execute("DELETE FROM dashboard_sessions WHERE key_id IS NULL")
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_dashboard_sessions_user_id_users", type_="foreignkey")
        batch_op.drop_index("ix_dashboard_sessions_user_id")
        batch_op.drop_column("user_id")
        batch_op.alter_column("key_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint("fk_api_keys_user_id_users", type_="foreignkey")
        batch_op.drop_index("ix_api_keys_user_id")
        batch_op.drop_column("firm")
        batch_op.drop_column("user_id")
    op.drop_index("ix_portal_links_engagement_id", table_name="portal_links")
    op.drop_table("portal_links")
    op.drop_index("ix_password_tokens_user_id", table_name="password_tokens")
    op.drop_table("password_tokens")
    op.drop_index("ix_users_firm", table_name="users")
    op.drop_table("users")
