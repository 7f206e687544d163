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
