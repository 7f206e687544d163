from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from service.core.validation import Email, Name, OptionalName


class ParticipantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email
    organisation: OptionalName | None = None
    role: OptionalName | None = None
    language: Literal["de", "en"] | None = None


class ParticipantPublic(BaseModel):
    id: int
    engagement_id: int
    name: str
    email: str
    organisation: str | None
    role: str | None
    language: str
    created_at: datetime
