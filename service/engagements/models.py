from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlmodel import Field, SQLModel


class Engagement(SQLModel, table=True):
    __tablename__ = "engagements"
    __table_args__ = (
        # the overview's order (service/engagements/filters.py, order_by)
        Index("ix_engagements_due", "stage_due_at", "id"),
        # "due within N working days": one deadline range per federal state
        Index("ix_engagements_federal_state_due", "federal_state", "stage_due_at"),
        Index("ix_engagements_state_due", "state", "stage_due_at"),
        Index("ix_engagements_reminder", "reminder_at"),
        Index("ix_engagements_escalation", "next_escalation_at"),
        Index("ix_engagements_funding_warning", "next_funding_warning_at"),
        Index("ix_engagements_process", "process", "process_version", "state"),
        # search: a trigram index on PostgreSQL (LIKE '%…%' uses it), a plain one on SQLite
        Index(
            "ix_engagements_search",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        # the owners' filter skips from one (key, owner) pair to the next in it
        Index("ix_engagements_owner_key", "owner_key", "owner"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality: str = Field(max_length=200, index=True)
    applicant_type: str = Field(max_length=40)
    federal_state: str = Field(max_length=2)
    municipal_share_percent: float | None = None
    contact_name: str = Field(max_length=200)
    contact_email: str = Field(max_length=254)
    language: str = Field(default="de", max_length=2)
    owner: str | None = Field(default=None, max_length=200, index=True)
    # the consultancy (tenant) that runs it; its staff see only their firm's engagements
    firm: str | None = Field(default=None, max_length=200, index=True)
    # the process definition this engagement runs on, kept until it is migrated
    process: str = Field(default="fokusberatung", max_length=40)
    process_version: int = 1
    # the programme's rules that apply (Kommunalrichtlinie 2020 | 2022 | 2024)
    krl_version: str = Field(default="2020", max_length=4)
    variant: str | None = Field(default=None, max_length=20)  # einstieg | fokus
    focus_field: str | None = Field(default=None, max_length=40)  # an action area
    has_integrated_concept: bool = False
    operator_kind: str | None = Field(default=None, max_length=20)
    public_corporation_status: bool | None = None
    # the Fokusberatung a Klimaschutzmanagement follows up
    predecessor_id: int | None = Field(
        default=None,
        sa_column_args=[ForeignKey("engagements.id", name="fk_engagements_predecessor")],
    )
    state: str = Field(max_length=40)
    version: int = 1
    stage_entered_at: datetime
    stage_due_at: datetime | None = None
    funding_starts_at: datetime | None = None
    funding_ends_at: datetime | None = None
    # scheduler bookkeeping: the next due instant of each sweep, cleared once done
    reminder_at: datetime | None = None
    next_escalation_at: datetime | None = None
    escalation_count: int = 0
    next_funding_warning_at: datetime | None = None
    funding_warnings_sent: int = 0
    # the public progress page (opt-in): its address once first published, kept when
    # unpublished so a link printed in the council's newsletter comes back the same
    public: bool = False
    public_slug: str | None = Field(default=None, max_length=80, unique=True, index=True)
    vision_summary: str | None = Field(default=None, max_length=4000)
    created_at: datetime
    updated_at: datetime
    # derived (service/engagements/search.py): the Aktenzeichen, set once the id is known,
    # and the folded search text and owner order key, rewritten with the fields they fold
    file_number: str | None = Field(default=None, max_length=20, unique=True, index=True)
    search_text: str = Field(default="", max_length=1000)
    owner_key: str | None = Field(default=None, max_length=1000)


class HistoryEntry(SQLModel, table=True):
    __tablename__ = "engagement_history"

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagements.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=20)  # transition (a stage change, a migration) | change
    from_state: str | None = Field(default=None, max_length=40)
    to_state: str | None = Field(default=None, max_length=40)
    trigger: str | None = Field(default=None, max_length=40)
    actor: str = Field(max_length=200)
    note: str | None = Field(default=None, max_length=4000)
    at: datetime
    # what changed (engagement.history renders it as a German and English summary)
    subject: str = Field(default="engagement", max_length=20)
    subject_id: int | None = None
    action: str = Field(default="changed", max_length=20)
    details: str | None = Field(default=None, sa_type=Text)  # JSON: fields before/after, names
