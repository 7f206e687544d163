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


class DashboardSession(SQLModel, table=True):
    """A logged-in dashboard session, kept on the server so that logging out (or the
    12 hours running out) ends it for every replica, and a restart keeps it. The cookie
    carries the session's random id; only its SHA-256 is stored, so a copy of the
    table opens no session."""

    __tablename__ = "dashboard_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    key_id: int = Field(foreign_key="api_keys.id", index=True, ondelete="CASCADE")
    created_at: datetime
    expires_at: datetime = Field(index=True)  # expired rows are deleted on the next login
