"""The Verlauf on the engagement page: newest first, in the page's language, local German
date and time, who did it and their note. A long history shows its latest entries with a
link to all of them (`?history=all#history`): an officer mostly wants what happened
lately, and sometimes the whole case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.core import translations
from service.core.context import Context
from service.engagements import history

LATEST = 50  # entries shown before "Alle anzeigen"


@dataclass(frozen=True)
class Line:
    """One entry as the page shows it."""

    kind: str  # transition | change
    subject: str
    summary: str
    actor: str
    note: str | None  # only what the summary does not say already
    at: datetime  # local
    at_text: str  # "01.12.2026, 14:05"


def at_text(at: datetime, lang: str) -> str:
    """'01.12.2026, 14:05' in German; '1 December 2026, 14:05' in English."""
    if lang == "de":
        return f"{at:%d.%m.%Y, %H:%M}"
    months = translations.language(lang).months
    return f"{at.day} {months[at.month - 1]} {at.year}, {at:%H:%M}"


def context(
    session: Session, ctx: Context, engagement_id: int, lang: str, show_all: bool
) -> dict[str, Any]:
    """`history` (the lines to show, newest first), `history_total` and `history_all`
    (whether all are shown) for templates/web/engagement/history.html."""
    items = history.public(session, ctx, engagement_id)
    items.reverse()
    total = len(items)
    shown = items if show_all else items[:LATEST]
    lines = []
    for item in shown:
        summary = item.summary_de if lang == "de" else item.summary_en
        note = item.note if item.note and item.note not in summary else None
        lines.append(
            Line(
                item.kind, item.subject, summary, item.actor, note, item.at, at_text(item.at, lang)
            )
        )
    return {
        "history": lines,
        "history_total": total,
        "history_all": show_all or total <= LATEST,
        "history_latest": LATEST,
    }
