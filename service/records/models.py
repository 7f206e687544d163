from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel


class Record(SQLModel, table=True):
    """A piece of evidence: what it is, its date, and optionally a file (kept apart in
    record_files, so listing records never reads file contents)."""

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_engagement_kind", "engagement_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagements.id", ondelete="CASCADE")
    kind: str = Field(max_length=40)
    date: date
    reference: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=4000)
    file_name: str | None = Field(default=None, max_length=255)
    file_type: str | None = Field(default=None, max_length=100)
    file_size: int | None = None
    file_sha256: str | None = Field(default=None, max_length=64)
    actor: str = Field(max_length=200)
    created_at: datetime


class RecordFile(SQLModel, table=True):
    __tablename__ = "record_files"

    record_id: int = Field(foreign_key="records.id", primary_key=True, ondelete="CASCADE")
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
