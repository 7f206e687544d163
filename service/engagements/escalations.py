"""The escalation letter to the supervisors, for an overdue stage deadline
(engagements.reminders) and an overdue milestone (milestones.jobs) alike."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlmodel import Session

from service.core import translations
from service.core.context import Context
from service.engagements.models import Engagement
from service.engagements.schemas import OverdueItem
from service.mail.common import common_context
from service.mail.outbox import address, enqueue
from service.mail.render import render


def recipient_key(addr: str) -> str:
    addr = addr.strip().lower()
    return addr if len(addr) <= 80 else hashlib.sha256(addr.encode()).hexdigest()[:16]


def escalate(
    session: Session,
    ctx: Context,
    kind: str,
    engagement: Engagement,
    late: OverdueItem,
    number: int,
    about: dict[str, Any],
    base_key: str,
) -> int:
    """The escalation letter to every supervisor (FOKUS_SUPERVISOR_EMAILS), for a stage
    deadline or a milestone (`about` names which); each once per escalation number."""
    language = ctx.settings.language
    context = {
        **common_context(ctx, language),
        "recipient_name": translations.language(language).staff_name,
        "municipality": engagement.municipality,
        "engagement_id": engagement.id,
        "federal_state": engagement.federal_state,
        "due_at": late.stage_due_at,
        "days_overdue": late.days_overdue,
        "working_days_overdue": late.working_days_overdue,
        "owner": engagement.owner,
        "contact_name": engagement.contact_name,
        "contact_email": engagement.contact_email,
        "escalation_number": number,
        **about,
    }
    rendered = render(kind, language, context)
    queued = 0
    for recipient in ctx.settings.supervisor_emails:
        message = enqueue(
            session,
            ctx,
            kind=kind,
            to=address(None, recipient),
            rendered=rendered,
            engagement_id=engagement.id,
            dedupe_key=f"{base_key}:{recipient_key(recipient)}",
        )
        queued += int(message)
    return queued
