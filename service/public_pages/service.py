"""The public progress page's content, read from an engagement that is public.

Free texts (the guiding vision's summary, measure titles) are written by staff and
could name someone; the page promises no person's name or email, so every name and
address the engagement knows (contact, owner, participants, persons responsible for
measures) and anything shaped like an email address is replaced by "…" before it is
shown, whatever was recorded.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import Session, col

from service.core import translations
from service.core.context import Context
from service.core.errors import NotFound
from service.engagements.models import Engagement
from service.measures.models import Measure
from service.participants.models import Participant
from service.public_pages.schemas import PublicMeasure, PublicProgress, PublicStage

_EMAIL = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
HIDDEN = "…"


def _engagement(session: Session, slug: str) -> Engagement:
    query = select(Engagement).where(col(Engagement.public_slug) == slug)
    engagement: Engagement | None = session.execute(query).scalar_one_or_none()
    if engagement is None or not engagement.public:
        raise NotFound("public_page_not_found")
    return engagement


def people(session: Session, engagement: Engagement, measures: list[Measure]) -> list[str]:
    """Every name and address of a person the engagement knows, longest first (so a
    full name is hidden before a part of it could be). The portal's page hides them too
    (service/portal/view.py)."""
    participants = select(col(Participant.name), col(Participant.email)).where(
        col(Participant.engagement_id) == engagement.id
    )
    known = [engagement.contact_name, engagement.contact_email, engagement.owner or ""]
    known += [m.responsible or "" for m in measures]
    for name, email in session.execute(participants).all():
        known += [name, email]
    return sorted({k.strip() for k in known if len(k.strip()) >= 3}, key=len, reverse=True)


def scrub(text: str, people: list[str]) -> str:
    for person in people:
        text = re.sub(re.escape(person), HIDDEN, text, flags=re.IGNORECASE)
    return _EMAIL.sub(HIDDEN, text)


def view(session: Session, ctx: Context, slug: str, lang: str) -> PublicProgress:
    engagement = _engagement(session, slug)
    process = ctx.process_of(engagement.process, engagement.process_version)
    words = translations.language(lang)
    measures = list(
        session.execute(
            select(Measure)
            .where(col(Measure.engagement_id) == engagement.id)
            .order_by(col(Measure.id))
        ).scalars()
    )
    known = people(session, engagement, measures)
    current = process.stage(engagement.state)
    path = [s for s in process.stages if not s.final or s.name == engagement.state]
    position = path.index(current)
    stages = [
        PublicStage(
            name=stage.name,
            label=stage.label(lang),
            status="done"
            if i < position or (current.final and i == position)
            else "current"
            if i == position
            else "upcoming",
        )
        for i, stage in enumerate(path)
    ]
    return PublicProgress(
        municipality=engagement.municipality,
        federal_state=engagement.federal_state,
        process=engagement.process,
        process_title=process.title(lang),
        stage=engagement.state,
        stage_label=current.label(lang),
        final=current.final,
        stages=stages,
        vision_summary=scrub(engagement.vision_summary, known)
        if engagement.vision_summary
        else None,
        measures=[
            PublicMeasure(
                title=scrub(m.title, known),
                action_area=m.action_area,
                action_area_label=words.action_areas.get(m.action_area, m.action_area),
                status=m.status,
                status_label=words.words.get(f"status_{m.status}", m.status),
                progress_percent=m.progress_percent,
            )
            for m in measures
        ],
        updated_at=engagement.updated_at.astimezone(ctx.settings.tz),
        language=lang,
    )
