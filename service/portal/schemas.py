"""What the portal's API answers and what its page shows. The page's model carries no
person: no contact, participant or person responsible; only the owner's name (whom the
municipality may ask) where the owner is a name and not an address."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class PortalLinkPublic(BaseModel):
    """A link as staff see it: never its token (only its hash is stored)."""

    id: int
    engagement_id: int
    email: str = Field(description="the address it was mailed to (the contact person's)")
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool = Field(description="neither revoked nor expired")


class PortalLinkCreated(BaseModel):
    """The answer to creating a link: `url` is shown this once (it is also mailed)."""

    id: int
    expires_at: datetime
    url: str


class PortalWorkshop(BaseModel):
    title: str
    day: str
    hours: str
    starts_at: datetime
    location: str
    cancelled: bool
    over: bool


class PortalMeasure(BaseModel):
    title: str
    action_area_label: str
    status: str
    status_label: str
    progress_percent: int


MilestoneStatus = Literal["done", "overdue", "open"]


class PortalMilestone(BaseModel):
    name: str
    label: str
    status: MilestoneStatus
    due_at: datetime | None
    done_at: datetime | None


class PortalView(BaseModel):
    """The municipality's read-only view of its engagement, in one language."""

    municipality: str
    file_number: str | None
    process: str
    process_title: str
    stage: str
    stage_label: str
    final: bool
    stage_due_at: datetime | None = Field(description="the current stage's deadline (local)")
    deadline_text: str
    overdue: bool
    workshops: list[PortalWorkshop]
    measures: list[PortalMeasure]
    milestones: list[PortalMilestone]
    contact_name: str = Field(description="the engagement's owner, or the consultancy")
    contact_email: str = Field(description="the consultancy's reply address")
    expires_at: datetime
    language: str


class PortalProblem(BaseModel):
    """A refusal of the portal's page for a JSON client (the shape of every error)."""

    code: str
    detail: str
    detail_de: str
