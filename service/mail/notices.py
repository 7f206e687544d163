"""The stage notice: every participant hears when their engagement changes stage."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from service.context import Context
from service.engagements.models import Engagement
from service.mail.common import common_context
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.participants.models import Participant

# plain rows, not ORM objects: this runs inside every transition
_PARTICIPANTS = select(
    col(Participant.id), col(Participant.name), col(Participant.email), col(Participant.language)
).where(col(Participant.engagement_id) == bindparam("eid"))


def queue_stage_notices(
    session: Session, ctx: Context, engagement: Engagement, from_state: str, note: str | None
) -> int:
    participants = session.connection().execute(_PARTICIPANTS, {"eid": engagement.id})
    queued = 0
    for participant in participants:
        language = participant.language or engagement.language
        stage = ctx.process.stage(engagement.state)
        previous = ctx.process.stage(from_state)
        context = {
            **common_context(ctx, language),
            "recipient_name": participant.name,
            "municipality": engagement.municipality,
            "stage": stage.label_de if language == "de" else stage.label_en,
            "previous_stage": previous.label_de if language == "de" else previous.label_en,
            "state": engagement.state,
            "note": note,
            "due_at": engagement.stage_due_at.astimezone(ctx.settings.tz)
            if engagement.stage_due_at
            else None,
        }
        enqueue(
            session,
            ctx,
            kind="stage_notice",
            to=address(participant.name, participant.email),
            rendered=render("stage_notice", language, context),
            engagement_id=engagement.id,
            participant_id=participant.id,
            dedupe_key=f"stage_notice:{engagement.id}:v{engagement.version}:p{participant.id}",
        )
        queued += 1
    return queued
