"""The mail a step causes: each process version says, per step, which template goes to
whom (participants, the contact person, the supervisors); this turns that into outbox
rows inside the transition's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from service.core.context import Context
from service.engagements.models import Engagement
from service.mail.common import common_context
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.participants.models import Participant
from workflows.definition import Notice, Process
from workflows.engine import Outcome

# plain rows, not ORM objects: this runs inside every transition
_PARTICIPANTS = select(
    col(Participant.id), col(Participant.name), col(Participant.email), col(Participant.language)
).where(col(Participant.engagement_id) == bindparam("eid"))


def _recipients(
    session: Session, ctx: Context, engagement: Engagement, notice: Notice
) -> Iterator[tuple[str, str, str, int | None, str]]:
    """(name, email, language, participant id, dedupe tag) of everyone `notice` reaches."""
    if notice.to == "participants":
        for p in session.connection().execute(_PARTICIPANTS, {"eid": engagement.id}):
            yield p.name, p.email, p.language or engagement.language, p.id, f"p{p.id}"
    elif notice.to == "contact":
        yield engagement.contact_name, engagement.contact_email, engagement.language, None, "c"
    elif notice.to == "supervisors":
        for email in ctx.settings.supervisor_emails:
            yield "", email, "de", None, f"s:{email}"


def queue_stage_notices(
    session: Session,
    ctx: Context,
    engagement: Engagement,
    process: Process,
    outcome: Outcome,
    note: str | None,
) -> int:
    queued = 0
    stage = process.stage(outcome.to_state)
    previous = process.stage(outcome.from_state)
    tz = ctx.settings.tz
    for notice in process.notices_of(outcome.step):
        for name, email, language, participant_id, tag in _recipients(
            session, ctx, engagement, notice
        ):
            context: dict[str, Any] = {
                **common_context(ctx, language),
                "recipient_name": name,
                "municipality": engagement.municipality,
                "stage": stage.label(language),
                "previous_stage": previous.label(language),
                "state": engagement.state,
                "note": note,
                "due_at": engagement.stage_due_at.astimezone(tz)
                if engagement.stage_due_at
                else None,
            }
            enqueue(
                session,
                ctx,
                kind=notice.template,
                to=address(name, email),
                rendered=render(notice.template, language, context),
                engagement_id=engagement.id,
                participant_id=participant_id,
                dedupe_key=f"{notice.template}:{engagement.id}:v{engagement.version}:{tag}",
            )
            queued += 1
    return queued
