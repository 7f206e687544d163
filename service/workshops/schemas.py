from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from service.validation import Name


class WorkshopCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Name
    starts_at: datetime
    ends_at: datetime
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
