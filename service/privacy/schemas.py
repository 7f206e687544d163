"""What the people routes answer (GDPR Art. 15 export, Art. 17 erasure)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ExportedParticipant(BaseModel):
    id: int
    engagement_id: int
    municipality: str
    firm: str | None
    name: str
    email: str
    organisation: str | None
    role: str | None
    language: str
    salutation: str | None
    created_at: datetime


class ExportedContact(BaseModel):
    """An engagement in which the address is the municipality's contact person."""

    engagement_id: int
    municipality: str
    firm: str | None
    contact_name: str
    contact_email: str
    state: str
    created_at: datetime


class ExportedInvitation(BaseModel):
    id: int
    participant_id: int
    engagement_id: int
    workshop_id: int
    workshop_title: str
    starts_at: datetime
    rsvp: str = Field(description="pending | accepted | declined | waitlisted")
    responded_at: datetime | None
    created_at: datetime


class ExportedMessage(BaseModel):
    id: int
    engagement_id: int | None
    kind: str
    to: str
    subject: str
    status: str = Field(description="queued | sent | failed | cancelled")
    created_at: datetime
    sent_at: datetime | None


class ExportedPortalLink(BaseModel):
    id: int
    engagement_id: int
    email: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class ExportedUser(BaseModel):
    id: int
    email: str
    name: str
    role: str
    firm: str | None
    created_at: datetime
    disabled_at: datetime | None


class ExportedHistoryEntry(BaseModel):
    id: int
    engagement_id: int
    at: datetime
    subject: str
    action: str
    actor: str
    note: str | None
    details: str | None = Field(description="the entry's recorded data (JSON text)")


class PersonExport(BaseModel):
    """Everything stored about one email address (GDPR Art. 15)."""

    email: str
    names: list[str] = Field(description="the names stored with the address")
    participants: list[ExportedParticipant]
    contact_of: list[ExportedContact]
    invitations: list[ExportedInvitation]
    messages: list[ExportedMessage]
    portal_links: list[ExportedPortalLink]
    users: list[ExportedUser]
    history: list[ExportedHistoryEntry]


class ErasureResult(BaseModel):
    erased: int = Field(description="records deleted or overwritten (0: nothing was stored)")
