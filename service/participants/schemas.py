from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from service.core.input_errors import label, problem
from service.core.validation import Email, Name, OptionalName, not_null

# the form of address a letter opens with: "Sehr geehrte Frau Klein," / "Sehr geehrter
# Herr Klein,"; none (null) opens with the full name: "Guten Tag Petra Klein,"
Salutation = Literal["frau", "herr"]


class ParticipantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email
    organisation: OptionalName | None = None
    role: OptionalName | None = None
    language: Literal["de", "en"] | None = None
    salutation: Salutation | None = None


class ParticipantPatch(BaseModel):
    """A correction: only the fields sent change. `salutation`, `organisation` and
    `role` may be null (removed); name, email and language cannot be."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=not_null("name", "email", "language")
    )

    name: Name | None = None
    email: Email | None = None
    organisation: OptionalName | None = None
    role: OptionalName | None = None
    language: Literal["de", "en"] | None = None
    salutation: Salutation | None = None

    @model_validator(mode="after")
    def _required_stay(self) -> ParticipantPatch:
        for field in ("name", "email", "language"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise problem("null_not_allowed_field", field_en=field, field_de=label(field, "de"))
        return self


class ParticipantPublic(BaseModel):
    id: int
    engagement_id: int
    name: str
    email: str
    organisation: str | None
    role: str | None
    language: str
    salutation: Salutation | None
    created_at: datetime
