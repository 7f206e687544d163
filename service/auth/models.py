from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    key_hash: str = Field(max_length=64, unique=True)
    key_prefix: str = Field(max_length=16)
    created_at: datetime
    revoked_at: datetime | None = None
    # a key made for an account acts as that account (its role and firm, read at use)
    user_id: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="CASCADE"
    )
    firm: str | None = Field(default=None, max_length=200)  # a machine key's own firm


class DashboardSession(SQLModel, table=True):
    """A logged-in dashboard session, kept on the server so that logging out (or the
    12 hours running out) ends it for every replica, and a restart keeps it. The cookie
    carries the session's random id; only its SHA-256 is stored, so a copy of the
    table opens no session."""

    __tablename__ = "dashboard_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    # opened with an API key (key_id) or with email and password (user_id)
    key_id: int | None = Field(
        default=None, foreign_key="api_keys.id", index=True, ondelete="CASCADE"
    )
    user_id: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="CASCADE"
    )
    created_at: datetime
    expires_at: datetime = Field(index=True)  # expired rows are deleted on the next login
