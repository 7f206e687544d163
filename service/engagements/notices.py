"""The mail a step causes: each process version says, per step, which template goes to
whom (participants, the contact person, the supervisors); this turns that into outbox
rows inside the transition's transaction.

Nothing is rendered here (issue 16): a row stores the template, the letter's language
and its parameters (service/mail/deferred.py), and the dispatcher renders it when it
sends. What one transition says is the same for every recipient of a language, so it is
built and encoded once per language; a recipient adds a name, a salutation, an address
and a Message-ID, and all rows go in one INSERT. So 30 participants cost about what one
does. The subject is rendered once per language (the API and the dashboard list it).
"""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring_ascii as json_string
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from service.core.context import Context
from service.engagements.models import Engagement
from service.mail.common import common_context
from service.mail.deferred import encode
from service.mail.letters import owner_address
from service.mail.outbox import address, enqueue_rows, message_ids
from service.mail.render import render_subject
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


class _Letter(NamedTuple):
    """What a notice says in one language: its subject, and its parameters as the tail
    of a JSON object (after the recipient's two)."""

    subject: str
    params_tail: str


def queue_stage_notices(
    session: Session,
    ctx: Context,
    engagement: Engagement,
    process: Process,
    outcome: Outcome,
    note: str | None,
) -> int:
    """Queues the step's notices (one row per recipient and notice, one INSERT);
    returns how many were queued (a repeated dedupe key queues nothing)."""
    notices = process.notices_of(outcome.step)
    if not notices:
        return 0
    stage = process.stage(outcome.to_state)
    previous = process.stage(outcome.from_state)
    tz = ctx.settings.tz
    due_at = engagement.stage_due_at.astimezone(tz) if engagement.stage_due_at else None
    domain = ctx.settings.mail_from.rpartition("@")[2] or "localhost"
    reply_to = owner_address(engagement) or ctx.settings.reply_to
    version = engagement.version
    letters: dict[tuple[str, bool, str], _Letter] = {}

    def letter(notice: Notice, language: str) -> _Letter:
        # the owner signs what goes to the municipality, not the team's own mail
        key = (notice.template, notice.to == "supervisors", language)
        if key not in letters:
            said: dict[str, Any] = {
                **common_context(ctx, language),
                "signer": engagement.owner if notice.to != "supervisors" else None,
                "process_title": process.title(language),
                "step": outcome.step.trigger,
                "municipality": engagement.municipality,
                "stage": stage.label(language),
                "previous_stage": previous.label(language),
                "state": engagement.state,
                "note": note,
                "due_at": due_at,
            }
            subject = render_subject(notice.template, language, said)
            letters[key] = _Letter(subject, encode(said)[1:])
        return letters[key]

    rows: list[tuple[Any, ...]] = []  # the columns outbox.MANY names
    for notice in notices:
        template = notice.template
        ids = message_ids(template, domain)
        dedupe = f"{template}:{engagement.id}:v{version}:"
        for name, email, language, participant_id, tag, salutation in _recipients(
            session, ctx, engagement, notice
        ):
            said = letter(notice, language)
            salutation_json = "null" if salutation is None else json_string(salutation)
            params = (
                f'{{"recipient_name":{json_string(name)},'
                f'"recipient_salutation":{salutation_json},{said.params_tail}'
            )
            rows.append(
                (
                    template,
                    template,
                    language,
                    address(name, email),
                    said.subject,
                    params,
                    engagement.id,
                    participant_id,
                    dedupe + tag,
                    next(ids),
                    reply_to,
                )
            )
    return enqueue_rows(session, ctx, rows)
