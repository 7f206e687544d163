from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from service.core.input_errors import label, problem
from service.core.validation import BodyId, LocalDateTime, Name, Text, not_null, number

# places at a workshop: 1 … 10 000; absent or null means no limit
Capacity = Annotated[int, Field(ge=1, le=10_000), BeforeValidator(number)]


class WorkshopCreate(BaseModel):
    """ends_at must not be before starts_at (422); a workshop in the past may be recorded.
    `agenda` is free text for the invitation and the RSVP page; with `capacity`, an
    acceptance beyond it goes to the waiting list."""

    model_config = ConfigDict(extra="forbid")

    title: Name
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    location: Name
    agenda: Text | None = None
    capacity: Capacity | None = None


class InvitationPublic(BaseModel):
    id: int
    participant_id: int
    name: str
    email: str
    rsvp: str = Field(description="pending | accepted | waitlisted | declined")
    responded_at: datetime | None
    waitlist_position: int | None = Field(
        None, description="place on the waiting list (1: next to move up) while waitlisted"
    )


class WorkshopPublic(BaseModel):
    id: int
    engagement_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    agenda: str | None
    capacity: int | None = Field(description="places; null: no limit")
    uid: str
    sequence: int
    cancelled: bool
    invitations: list[InvitationPublic]
    rsvp_counts: dict[str, int]
    warnings: list[str] = Field(
        description="in English: the workshop falls on a weekend or a public holiday of "
        "the engagement's federal state (saved all the same)"
    )
    warnings_de: list[str] = Field(description="the same warnings in German")
    created_at: datetime
    updated_at: datetime


_OPTIONAL = ("agenda", "capacity")  # null clears them


def _something_to_change(schema: dict[str, Any]) -> None:
    not_null("title", "starts_at", "ends_at", "location")(schema)
    schema["minProperties"] = 1


class WorkshopUpdate(BaseModel):
    """Moving or renaming a workshop; every invitee gets an update with a higher SEQUENCE
    (not for a change of the capacity alone). At least one field; only `agenda` and
    `capacity` may be null (none, no limit); ends_at must not end up before starts_at.
    A raised or removed capacity moves waiting people up."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_something_to_change)

    title: Name | None = None
    starts_at: LocalDateTime | None = None
    ends_at: LocalDateTime | None = None
    location: Name | None = None
    agenda: Text | None = None
    capacity: Capacity | None = None

    @model_validator(mode="after")
    def _something(self) -> WorkshopUpdate:
        if not self.model_fields_set:
            raise problem(
                "nothing_to_change",
                fields_en="title, starts_at, ends_at, location, agenda, capacity",
                fields_de="Titel, Beginn, Ende, Ort, Tagesordnung, Plätze",
            )
        for field in self.model_fields_set:
            if getattr(self, field) is None and field not in _OPTIONAL:
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
