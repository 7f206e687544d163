"""What a new account takes, for the API, the CLI and the admin page alike."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from service.auth.keys import Role
from service.core.validation import Email, Name


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name
    role: Role
    firm: Name | None = Field(
        default=None, description="the consultancy (tenant) the account belongs to; none: all"
    )


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    role: str
    firm: str | None
    created_at: datetime
    password_set: bool = Field(description="false until the one-time link was used")
    disabled_at: datetime | None


class UserCreated(UserPublic):
    password_link: str = Field(
        description="one-time link to set the password (valid 72 hours); shown only here"
    )
