"""Fixtures for the deadline sweeps: supervisors configured, and outbox readers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.mail.models import OutboxMessage

SUPERVISORS = ["leitung@agentur.example"]
SWEPT_KINDS = ("reminder", "escalation", "funding_warning")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"supervisor_emails": SUPERVISORS}


@dataclass(frozen=True)
class Mail:
    kind: str
    to: str
    subject: str
    text: str
    html: str
    dedupe_key: str | None
    engagement_id: int | None


def outbox(ctx: Context, kind: str | None = None) -> list[Mail]:
    """The outbox rows (the truth of "sent once"), oldest first."""
    with ctx.db.read() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if kind is not None:
            query = query.where(col(OutboxMessage.kind) == kind)
        return [
            Mail(
                m.kind,
                m.to_addr,
                m.subject,
                m.body_text,
                m.body_html,
                m.dedupe_key,
                m.engagement_id,
            )
            for m in session.execute(query).scalars()
        ]


def kinds(ctx: Context) -> Counter[str]:
    """How many reminders, escalations and funding warnings are in the outbox."""
    return Counter(m.kind for m in outbox(ctx) if m.kind in SWEPT_KINDS)
