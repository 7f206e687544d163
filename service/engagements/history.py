"""The engagement's history ("Verlauf"): every change, recorded as data and told in words.

An entry says what changed (`subject`: participant, workshop, invitation, measure, record,
consulting_day, grant or the engagement itself; `subject_id`), how (`action`: added,
changed, removed, rescheduled, cancelled, invited, reminded, answered, deadline,
follow_up, transition, migrated) and the fields before and after (`details`, JSON text).
The words are made when the history is read, not when it is written: the same entry reads
in German and in English, with the stage labels of the engagement's process and local
times, and a label fixed later is fixed in old entries too. `note` stays what a person
wrote (a reason, a transition's note).

`record_change` runs inside the caller's transaction, right after the change it records:
a change that is refused raises before it, so nothing is written; a change that commits
always has its entry. The words: engagements/history_words.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy import select
from sqlmodel import Session, col

from service.core import translations
from service.core.context import Context
from service.core.errors import NotFound
from service.engagements.history_words import Words, details_of, summary
from service.engagements.models import Engagement, HistoryEntry
from service.engagements.schemas import HistoryPublic

Subject = Literal[
    "engagement",
    "participant",
    "workshop",
    "invitation",
    "measure",
    "record",
    "consulting_day",
    "grant",
]
Kind = Literal["transition", "change"]
# the kinds an entry has: a stage change (or a move to another process version) and the rest
KINDS: tuple[Kind, ...] = ("transition", "change")
_TRANSITION_ACTIONS = frozenset({"transition", "migrated"})
NOTE_MAX = 4000
ERASED = "–"  # the actor of an answer whose participant was erased (GDPR Art. 17)


def plain(value: Any) -> Any:
    """A value as JSON keeps it: times and dates as ISO 8601, enums by value."""
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def fields_changed(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """{field: {before, after}} for each field of `after` whose value differs."""
    return {
        field: {"before": plain(before.get(field)), "after": plain(value)}
        for field, value in after.items()
        if plain(before.get(field)) != plain(value)
    }


def record_change(
    session: Session,
    engagement_id: int,
    subject: Subject,
    action: str,
    actor: str,
    details: Mapping[str, Any] | None = None,
    note: str | None = None,
    *,
    at: datetime,
    subject_id: int | None = None,
) -> HistoryEntry:
    """Adds one `change` entry for the engagement (see the module docstring). `details`
    holds what the summary needs even after the subject is gone: its `name` (a person's
    name, a workshop's or measure's title), `fields` ({field: {before, after}}, see
    `fields_changed`) and what else the action tells (count, response, date, …)."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None:
        raise NotFound("engagement_not_found", engagement=engagement_id)
    entry = HistoryEntry(
        engagement_id=engagement_id,
        kind="transition" if action in _TRANSITION_ACTIONS else "change",
        from_state=engagement.state,
        to_state=engagement.state,
        actor=actor,
        note=note[:NOTE_MAX] if note else None,
        at=at,
        subject=subject,
        subject_id=subject_id,
        action=action,
        details=json.dumps({k: plain(v) for k, v in details.items()}, ensure_ascii=False)
        if details
        else None,
    )
    session.add(entry)
    return entry


def forget_participant(session: Session, engagement_id: int, participant_id: int) -> None:
    """Erasure (GDPR Art. 17), the history's part: entries about the participant keep what
    happened but lose the name; answers they gave lose them as actor too."""
    entries = session.execute(
        select(HistoryEntry).where(
            col(HistoryEntry.engagement_id) == engagement_id,
            col(HistoryEntry.subject).in_(("participant", "invitation")),
        )
    ).scalars()
    for entry in entries:
        details = details_of(entry)
        mine = (entry.subject == "participant" and entry.subject_id == participant_id) or (
            details.get("participant_id") == participant_id
        )
        if not mine:
            continue
        if entry.subject == "participant":
            details["name"] = None
        else:
            details["participant"] = None
            entry.actor = ERASED
        details.pop("fields", None)  # an address before and after is theirs too
        entry.details = json.dumps(details, ensure_ascii=False)
        session.add(entry)


def entries(session: Session, engagement_id: int, kind: Kind | None = None) -> list[HistoryEntry]:
    """The engagement's entries, oldest first; only one kind if asked."""
    query = select(HistoryEntry).where(col(HistoryEntry.engagement_id) == engagement_id)
    if kind is not None:
        query = query.where(col(HistoryEntry.kind) == kind)
    return list(
        session.execute(query.order_by(col(HistoryEntry.at), col(HistoryEntry.id))).scalars()
    )


def public(
    session: Session, ctx: Context, engagement_id: int, kind: Kind | None = None
) -> list[HistoryPublic]:
    """The history as the API and the page show it: oldest first, local times, each entry
    with its German and English summary."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None:
        raise NotFound("engagement_not_found", engagement=engagement_id)
    tz = ctx.settings.tz
    words = {lang: Words.of(ctx, engagement, lang, tz) for lang in translations.LANGUAGES}
    return [
        HistoryPublic(
            kind="transition" if entry.kind == "transition" else "change",
            subject=entry.subject,
            subject_id=entry.subject_id,
            action=entry.action,
            from_state=entry.from_state,
            to_state=entry.to_state,
            trigger=entry.trigger,
            actor=entry.actor,
            note=entry.note,
            details=details_of(entry) or None,
            summary_de=summary(entry, words["de"]),
            summary_en=summary(entry, words["en"]),
            at=entry.at.astimezone(tz),
        )
        for entry in entries(session, engagement_id, kind)
    ]
