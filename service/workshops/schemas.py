from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.core.input_errors import label, problem
from service.core.validation import BodyId, LocalDateTime, Name, Text, not_null


class WorkshopCreate(BaseModel):
    """ends_at must not be before starts_at (422); a workshop in the past may be recorded."""

    model_config = ConfigDict(extra="forbid")

    title: Name
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    location: Name


class InvitationPublic(BaseModel):
    id: int
    participant_id: int
    name: str
    email: str
    rsvp: str
    responded_at: datetime | None


class WorkshopPublic(BaseModel):
    id: int
    engagement_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    uid: str
    sequence: int
    cancelled: bool
    invitations: list[InvitationPublic]
    rsvp_counts: dict[str, int]
    created_at: datetime
    updated_at: datetime


def _something_to_change(schema: dict[str, Any]) -> None:
    not_null("title", "starts_at", "ends_at", "location")(schema)
    schema["minProperties"] = 1


class WorkshopUpdate(BaseModel):
    """Moving or renaming a workshop; every invitee gets an update with a higher SEQUENCE.
    At least one field; none may be null; ends_at must not end up before starts_at."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_something_to_change)

    title: Name | None = None
    starts_at: LocalDateTime | None = None
    ends_at: LocalDateTime | None = None
    location: Name | None = None

    @model_validator(mode="after")
    def _something(self) -> WorkshopUpdate:
        if not self.model_fields_set:
            raise problem(
                "nothing_to_change",
                fields_en="title, starts_at, ends_at, location",
                fields_de="Titel, Beginn, Ende, Ort",
            )
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise problem("null_not_allowed_field", field_en=field, field_de=label(field, "de"))
        return self


class WorkshopCancel(BaseModel):
    """An optional reason for the cancellation; the invitees read it in their mail."""

    model_config = ConfigDict(extra="forbid")

    reason: Text | None = None


class InvitationRequest(BaseModel):
    """Whom to invite: the listed participants, or (field absent or null) all of them."""

    model_config = ConfigDict(extra="forbid")

    participant_ids: Annotated[list[BodyId], Field(min_length=1, max_length=10_000)] | None = None


class InvitationsQueued(BaseModel):
    queued: int


class RemindersQueued(BaseModel):
    """How many invitees without an answer were newly reminded (0 for those already
    reminded today)."""

    reminded: int
