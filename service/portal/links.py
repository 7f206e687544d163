"""Creating, listing and revoking the municipality's links, and the letter that brings
one to the contact person.

A link is a random token (`prt_` + 32 random bytes, URL-safe); the table holds only its
SHA-256, so a copy of the database opens no page. It is valid for `VALID_FOR` (30 days)
by the service's clock and can be revoked at once. The letter goes to the engagement's
contact person (`contact_email`) in the engagement's language, through the outbox in the
same transaction as the link and its history entry, so the dispatcher sends it (or none
of it happened).

A final engagement (completed, rejected, withdrawn) takes no new link: it is a closed
case file (the dashboard shows no form on it either). Links sent before stay valid until
they expire, so the municipality can still read how its consultation ended, and they
can be revoked at any time.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from service.auth.keys import hash_key
from service.core import translations
from service.core.context import Context
from service.core.errors import Conflict, NotFound
from service.engagements import history
from service.engagements.models import Engagement
from service.engagements.service import definition, stage_de
from service.engagements.service import get as get_engagement
from service.mail.common import common_context
from service.mail.outbox import address, enqueue
from service.mail.render import render
from service.portal.models import PortalLink
from service.portal.schemas import PortalLinkCreated, PortalLinkPublic

PORTAL_PATH = "/portal"
TOKEN_PREFIX = "prt_"
VALID_FOR = timedelta(days=30)
# a token is `prt_` and 43 characters; anything much longer is not one (and is not hashed)
TOKEN_MAX = 100


def portal_url(ctx: Context, token: str) -> str:
    return f"{ctx.settings.base_url.rstrip('/')}{PORTAL_PATH}/{token}"


def is_active(link: PortalLink, now: datetime) -> bool:
    return link.revoked_at is None and link.expires_at > now


def public(link: PortalLink, now: datetime) -> PortalLinkPublic:
    assert link.id is not None
    return PortalLinkPublic(
        id=link.id,
        engagement_id=link.engagement_id,
        email=link.email,
        created_by=link.created_by,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        active=is_active(link, now),
    )


def _valid_until(ctx: Context, moment: datetime, language: str) -> str:
    """The last day a link opens, as a letter writes it: '31.03.2026' / '31 March 2026'."""
    day = moment.astimezone(ctx.settings.tz).date()
    if language == "en":
        return f"{day.day} {translations.language('en').months[day.month - 1]} {day.year}"
    return day.strftime("%d.%m.%Y")


def create(session: Session, ctx: Context, engagement_id: int, actor: str) -> PortalLinkCreated:
    """A new link for the engagement, mailed to its contact person; the URL is in the
    answer this once (staff may pass it on by other means) and never stored."""
    engagement = get_engagement(session, engagement_id)
    if definition(ctx, engagement).is_final(engagement.state):
        raise Conflict(
            "portal_final", state_en=engagement.state, stage_de=stage_de(ctx, engagement)
        )
    now = ctx.clock.now()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    link = PortalLink(
        engagement_id=engagement_id,
        token_hash=hash_key(token),
        email=engagement.contact_email,
        created_by=actor,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(link)
    session.flush()
    assert link.id is not None
    url = portal_url(ctx, token)
    _mail(session, ctx, engagement, link, url)
    history.record_change(
        session,
        engagement_id,
        "engagement",
        "portal_link",
        actor,
        {"date": link.expires_at, "link": link.id},
        at=now,
    )
    return PortalLinkCreated(id=link.id, expires_at=link.expires_at, url=url)


def _mail(
    session: Session, ctx: Context, engagement: Engagement, link: PortalLink, url: str
) -> None:
    language = engagement.language
    context = {
        **common_context(ctx, language),
        "recipient_name": engagement.contact_name,
        "municipality": engagement.municipality,
        "owner": engagement.owner,
        "portal_url": url,
        "valid_until": _valid_until(ctx, link.expires_at, language),
    }
    enqueue(
        session,
        ctx,
        kind="portal_link",
        to=address(engagement.contact_name, engagement.contact_email),
        rendered=render("portal_link", language, context),
        engagement_id=engagement.id,
        dedupe_key=f"portal_link:{link.id}",
    )


def list_for(session: Session, engagement_id: int) -> list[PortalLink]:
    """The engagement's links, newest first (revoked and expired ones too)."""
    get_engagement(session, engagement_id)
    query = (
        select(PortalLink)
        .where(col(PortalLink.engagement_id) == engagement_id)
        .order_by(col(PortalLink.id).desc())
    )
    return list(session.execute(query).scalars())


def revoke(session: Session, ctx: Context, engagement_id: int, link_id: int, actor: str) -> None:
    """Ends a link at once: its page answers 404 from the next request. Revoking twice is
    the same as once (one history entry). Also on a final engagement."""
    get_engagement(session, engagement_id)
    link = session.get(PortalLink, link_id)
    if link is None or link.engagement_id != engagement_id:
        raise NotFound("portal_link_not_found", link=link_id)
    if link.revoked_at is not None:
        return
    now = ctx.clock.now()
    link.revoked_at = now
    session.add(link)
    history.record_change(
        session,
        engagement_id,
        "engagement",
        "portal_link_revoked",
        actor,
        {"link": link_id},
        at=now,
    )


def active_link(session: Session, ctx: Context, token: str) -> PortalLink | None:
    """The link a token opens, if it is neither unknown, revoked nor expired. Whichever
    it is, the caller learns only None (the page then says the same for all three)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > TOKEN_MAX:
        return None
    query = select(PortalLink).where(col(PortalLink.token_hash) == hash_key(token))
    link: PortalLink | None = session.execute(query).scalar_one_or_none()
    if link is None or not is_active(link, ctx.clock.now()):
        return None
    return link


def active(session: Session, engagement_id: int, now: datetime) -> list[PortalLinkPublic]:
    """The links that open the page now, newest first (the engagement page lists them)."""
    return [public(link, now) for link in list_for(session, engagement_id) if is_active(link, now)]
