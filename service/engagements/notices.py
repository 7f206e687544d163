"""The mail a step causes: each process version says, per step, which template goes to
whom (participants, the contact person, the supervisors); this turns that into outbox
rows inside the transition's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from service.core.context import Context
from service.engagements.models import Engagement
from service.mail.common import common_context
from service.mail.letters import owner_address
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.participants.models import Participant
from workflows.definition import Notice, Process
from workflows.engine import Outcome

# plain rows, not ORM objects: this runs inside every transition
_PARTICIPANTS = select(
    col(Participant.id),
    col(Participant.name),
    col(Participant.email),
    col(Participant.language),
    col(Participant.salutation),
).where(col(Participant.engagement_id) == bindparam("eid"))


class _Recipient(NamedTuple):
    name: str
    email: str
    language: str
    participant_id: int | None
    tag: str  # part of the dedupe key
    salutation: str | None = None  # frau | herr: "Sehr geehrte Frau …"


def _recipients(
    session: Session, ctx: Context, engagement: Engagement, notice: Notice
) -> Iterator[_Recipient]:
    """Everyone `notice` reaches. Participants are addressed with their salutation; the
    contact person has none recorded, so their letter opens with the full name."""
    if notice.to == "participants":
        for p in session.connection().execute(_PARTICIPANTS, {"eid": engagement.id}):
            language = p.language or engagement.language
            yield _Recipient(p.name, p.email, language, p.id, f"p{p.id}", p.salutation)
    elif notice.to == "contact":
        yield _Recipient(
            engagement.contact_name, engagement.contact_email, engagement.language, None, "c"
        )
    elif notice.to == "supervisors":
        for email in ctx.settings.supervisor_emails:
            yield _Recipient("", email, "de", None, f"s:{email}")


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
    reply_to = owner_address(engagement)
    for notice in process.notices_of(outcome.step):
        for name, email, language, participant_id, tag, salutation in _recipients(
            session, ctx, engagement, notice
        ):
            context: dict[str, Any] = {
                **common_context(ctx, language),
                "recipient_name": name,
                "recipient_salutation": salutation,
                # the owner signs what goes to the municipality, not the team's own mail
                "signer": engagement.owner if notice.to != "supervisors" else None,
                "process_title": process.title(language),
                "step": outcome.step.trigger,
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
                reply_to=reply_to,
            )
            queued += 1
    return queued
