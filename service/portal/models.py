from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class PortalLink(SQLModel, table=True):
    """A link mailed to the municipality's contact person that opens a read-only page of
    its engagement for 30 days. Only the token's SHA-256 is stored."""

    __tablename__ = "portal_links"

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagements.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=254)  # where it was mailed (erased with the person)
    created_by: str = Field(max_length=200)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
