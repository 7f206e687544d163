from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from service.core.validation import OptionalName


class FeedRequest(BaseModel):
    """`label` names the feed in the list; `owner` limits it to the engagements that
    person is responsible for (e.g. one's own), else it has every engagement."""

    model_config = ConfigDict(extra="forbid")

    label: OptionalName | None = None
    owner: OptionalName | None = None


class FeedPublic(BaseModel):
    id: int
    label: str | None
    owner: str | None  # the owner filter, not the creator
    created_at: datetime
    revoked_at: datetime | None


class FeedCreated(FeedPublic):
    url: str  # secret: shown once, the calendar subscribes to it
