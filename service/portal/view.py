"""What the municipality's page shows of its engagement: the stage and its deadline,
workshops (when, where, what; nobody who comes), measures with their status and the
milestones with theirs, in German or English.

The page names no person but the engagement's owner (whom to ask), and only where the
owner is a name: free texts written by staff (measure and workshop titles) are scrubbed
of every name and address the engagement knows, as on the public progress page
(service/public_pages/service.py `scrub`), since the link may be passed on within the
municipality's administration.
"""

from __future__ import annotations

from sqlmodel import Session

from service.core import translations
from service.core.context import Context
from service.engagements import presenters
from service.engagements import service as engagements
from service.measures import service as measures
from service.portal.models import PortalLink
from service.portal.schemas import (
    MilestoneStatus,
    PortalMeasure,
    PortalMilestone,
    PortalView,
    PortalWorkshop,
)
from service.public_pages.service import people, scrub
from service.workshops import service as workshops
from service.workshops.mailing import when


def _milestone_status(done: bool, overdue: bool) -> MilestoneStatus:
    return "done" if done else "overdue" if overdue else "open"


def view(session: Session, ctx: Context, link: PortalLink, lang: str) -> PortalView:
    """The page's content for an active link (links.active_link), in `lang`."""
    engagement = engagements.get(session, link.engagement_id)
    process = engagements.definition(ctx, engagement)
    words = translations.language(lang)
    tz = ctx.settings.tz
    now = ctx.clock.now()
    rows = measures.list_for(session, link.engagement_id)
    known = people(session, engagement, rows)
    seen = presenters.dates(engagement, process, now, tz)
    final = process.is_final(engagement.state)
    shops = []
    for workshop in workshops.list_for(session, link.engagement_id):
        starts, ends = workshop.starts_at.astimezone(tz), workshop.ends_at.astimezone(tz)
        day, hours = when(starts, ends, lang)
        shops.append(
            PortalWorkshop(
                title=scrub(workshop.title, known),
                day=day,
                hours=hours,
                starts_at=starts,
                location=scrub(workshop.location, known),
                cancelled=workshop.cancelled_at is not None,
                over=workshop.ends_at <= now,
            )
        )
    owner = engagement.owner if engagement.owner and "@" not in engagement.owner else None
    return PortalView(
        municipality=engagement.municipality,
        file_number=engagement.file_number,
        process=engagement.process,
        process_title=process.title(lang),
        stage=engagement.state,
        stage_label=process.stage(engagement.state).label(lang),
        final=final,
        stage_due_at=None if final else seen.due,
        deadline_text="" if final else presenters.deadline_text(lang, seen.days_left, seen.overdue),
        overdue=seen.overdue and not final,
        workshops=shops,
        measures=[
            PortalMeasure(
                title=scrub(m.title, known),
                action_area_label=words.action_areas.get(m.action_area, m.action_area),
                status=m.status,
                status_label=words.words.get(f"status_{m.status}", m.status),
                progress_percent=m.progress_percent,
            )
            for m in rows
        ],
        milestones=[
            PortalMilestone(
                name=m.name,
                label=m.label_en if lang == "en" else m.label_de,
                status=_milestone_status(m.done_at is not None, m.overdue),
                due_at=m.due_at,
                done_at=m.done_at,
            )
            for m in engagements.milestones(session, ctx, link.engagement_id)
        ],
        contact_name=owner or ctx.settings.mail_from_name,
        contact_email=ctx.settings.reply_to or ctx.settings.mail_from,
        expires_at=link.expires_at.astimezone(tz),
        language=lang,
    )
