from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    """A person who logs into the dashboard with email and password. Their role and
    firm decide what they see; API keys made with `--user` act as them."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-cased
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)  # staff | supervisor | admin
    firm: str | None = Field(default=None, max_length=200, index=True)
    password_hash: str | None = Field(default=None, max_length=200)  # Argon2; None: not set yet
    password_changed_at: datetime | None = None
    failed_logins: int = Field(default=0)  # in a row; a good login resets it
    locked_until: datetime | None = None  # refused (429) until then
    created_at: datetime
    disabled_at: datetime | None = None


class PasswordToken(SQLModel, table=True):
    """A one-time link to set a password (new account, or reset). Only the token's
    SHA-256 is stored."""

    __tablename__ = "password_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
