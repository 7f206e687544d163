from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from service.core.validation import OptionalName, PlanDate, Text
from workflows.programme import RECORD_KINDS

RecordKind = StrEnum("RecordKind", {kind: kind for kind in RECORD_KINDS})  # type: ignore[misc]


class RecordCreate(BaseModel):
    """A piece of evidence; as multipart/form-data the same fields plus an optional `file`."""

    model_config = ConfigDict(extra="forbid")

    kind: RecordKind
    date: PlanDate
    reference: OptionalName | None = None
    note: Text | None = None


class RecordPublic(BaseModel):
    id: int
    engagement_id: int
    kind: str
    date: date
    reference: str | None
    note: str | None
    file_name: str | None
    file_type: str | None
    file_size: int | None
    file_sha256: str | None
    actor: str
    created_at: datetime
