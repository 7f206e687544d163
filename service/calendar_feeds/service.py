"""Calendar feeds: create, list and revoke (per creator), and the feed itself.

The feed is built on every fetch from the tables (calendar apps poll every hour or so),
so it is never stale; UIDs are derived from what an event is about, not from when it
was built, so a re-fetch updates entries instead of duplicating them:
- a workshop keeps its invitation UID (`Workshop.uid`, as in the invitation's .ics)
  and SEQUENCE, so the entry from the invitation and the feed's entry are one;
- a stage deadline is `deadline-<engagement>-<stage>@…`: moving it changes the date of
  the same entry; the next stage's deadline is a new entry (the old one disappears);
- a milestone is `milestone-<engagement>-<name>@…` until it is met.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlmodel import Session, col

from service.auth.keys import hash_key
from service.calendar_feeds.models import CalendarFeed
from service.calendar_feeds.schemas import FeedCreated, FeedPublic, FeedRequest
from service.core.context import Context
from service.core.errors import NotFound
from service.engagements.models import Engagement
from service.mail.ics import PRODID, vtimezone
from service.milestones.models import EngagementMilestone
from service.workshops.models import Workshop

FEED_PATH = "/calendar"
TOKEN_PREFIX = "cal_"


def feed_url(ctx: Context, token: str) -> str:
    return f"{ctx.settings.base_url.rstrip('/')}{FEED_PATH}/{token}.ics"


def public(feed: CalendarFeed) -> FeedPublic:
    return FeedPublic(
        id=feed.id,
        label=feed.label,
        owner=feed.only_owner,
        created_at=feed.created_at,
        revoked_at=feed.revoked_at,
    )


def create(
    session: Session, ctx: Context, creator: str, request: FeedRequest, firm: str | None = None
) -> FeedCreated:
    """A new feed; its secret URL is in the answer only (the table holds its hash).
    `firm`: the creator's; the feed shows only that firm's engagements, for as long as
    it runs (whoever holds the URL)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed(
        token_hash=hash_key(token),
        owner=creator,
        label=request.label or None,
        only_owner=request.owner or None,
        firm=firm,
        created_at=ctx.clock.now(),
    )
    session.add(feed)
    session.flush()
    return FeedCreated(**public(feed).model_dump(), url=feed_url(ctx, token))


def list_for(session: Session, creator: str) -> list[CalendarFeed]:
    query = (
        select(CalendarFeed)
        .where(col(CalendarFeed.owner) == creator)
        .order_by(col(CalendarFeed.id))
    )
    return list(session.execute(query).scalars())


def revoke(session: Session, ctx: Context, creator: str, feed_id: int, *, admin: bool) -> None:
    """Ends a feed at once (its URL answers 404 from the next fetch). One's own feeds;
    an admin any. Revoking twice is the same as once."""
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or (feed.owner != creator and not admin):
        raise NotFound("calendar_feed_not_found")
    if feed.revoked_at is None:
        feed.revoked_at = ctx.clock.now()
        session.add(feed)


def _active(session: Session, token: str) -> CalendarFeed:
    query = select(CalendarFeed).where(col(CalendarFeed.token_hash) == hash_key(token))
    feed: CalendarFeed | None = session.execute(query).scalar_one_or_none()
    if feed is None or feed.revoked_at is not None:
        raise NotFound("calendar_feed_not_found")
    return feed


@dataclass(frozen=True)
class _Names:
    municipality: str
    process: str


def render(session: Session, ctx: Context, token: str) -> bytes:
    """The feed's .ics: upcoming workshops, open stage deadlines, open milestones."""
    feed = _active(session, token)
    now = ctx.clock.now()
    tz = ctx.settings.tz
    engagements = select(Engagement)
    if feed.firm is not None:  # a firm's staff made it: that firm's engagements only
        engagements = engagements.where(col(Engagement.firm) == feed.firm)
    if feed.only_owner is not None:
        engagements = engagements.where(col(Engagement.owner) == feed.only_owner)
    names: dict[int, _Names] = {}
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", feed.label or "fokus – Termine und Fristen")
    calendar.add("x-wr-timezone", tz.key)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    zone = vtimezone(tz, now.astimezone(tz).year)
    if zone is not None:
        calendar.add_component(zone)
    base = ctx.settings.base_url.rstrip("/")

    for engagement in session.execute(engagements).scalars():
        process = ctx.process_of(engagement.process, engagement.process_version)
        eid = engagement.id
        assert eid is not None
        names[eid] = _Names(engagement.municipality, engagement.process)
        if engagement.stage_due_at is not None and not process.is_final(engagement.state):
            day = engagement.stage_due_at.astimezone(tz).date()
            stage = process.stage(engagement.state).label_de
            calendar.add_component(
                _all_day(
                    f"deadline-{eid}-{engagement.state}",
                    f"Frist: {engagement.municipality} – {stage}",
                    day,
                    now,
                    f"{base}/engagements/{eid}",
                    engagement.version,
                )
            )
    if not names:
        return bytes(calendar.to_ical())

    milestones = select(EngagementMilestone).where(
        col(EngagementMilestone.done_at).is_(None),
        col(EngagementMilestone.engagement_id).in_(names),
    )
    labels = {(p.name, m.name): m.label_de for p in ctx.registry.all() for m in p.milestones}
    for milestone in session.execute(milestones).scalars():
        eid = milestone.engagement_id
        label = labels.get((names[eid].process, milestone.name), milestone.name)
        calendar.add_component(
            _all_day(
                f"milestone-{eid}-{milestone.name}",
                f"Meilenstein: {label} – {names[eid].municipality}",
                milestone.due_at.astimezone(tz).date(),
                now,
                f"{base}/engagements/{eid}",
                0,
            )
        )

    workshops = select(Workshop).where(
        col(Workshop.cancelled_at).is_(None),
        col(Workshop.ends_at) >= now,
        col(Workshop.engagement_id).in_(names),
    )
    for workshop in session.execute(workshops.order_by(col(Workshop.starts_at))).scalars():
        event = Event()
        event.add("uid", workshop.uid)
        event.add("sequence", workshop.sequence)
        event.add("dtstamp", now)
        event.add("dtstart", workshop.starts_at.astimezone(tz))
        event.add("dtend", workshop.ends_at.astimezone(tz))
        event.add("summary", f"{workshop.title} – {names[workshop.engagement_id].municipality}")
        event.add("location", workshop.location)
        event.add("url", f"{base}/engagements/{workshop.engagement_id}")
        event.add("status", "CONFIRMED")
        calendar.add_component(event)

    return bytes(calendar.to_ical())


def _all_day(key: str, summary: str, day: date, now: datetime, url: str, sequence: int) -> Event:
    """An all-day entry: deadlines and milestones are days, not times of day."""
    event = Event()
    event.add("uid", f"{key}@fokus")
    event.add("sequence", sequence)
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event
