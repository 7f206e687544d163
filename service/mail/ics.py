"""The calendar entry of a workshop invitation (RFC 5545 / iTIP, built with icalendar).

One UID per workshop, kept for its life; SEQUENCE rises with every move or
cancellation, so Outlook and Thunderbird update or remove the entry they already have.
Times carry TZID=Europe/Berlin (FOKUS_TIMEZONE) with the matching VTIMEZONE, so the
entry shows the right local time on either side of a DST change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vRecur,
    vText,
)

PRODID = "-//fokus//Fokusberatung Klimaschutz//DE"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    sequence: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str
    description: str
    url: str | None
    stamp: datetime


def build_ics(entry: CalendarEntry, tz: ZoneInfo, *, method: str = "REQUEST") -> bytes:
    """REQUEST (invitation or update) or CANCEL, as the bytes of an .ics (CRLF lines)."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", entry.stamp)
    event.add("dtstart", entry.starts_at.astimezone(tz))
    event.add("dtend", entry.ends_at.astimezone(tz))
    event.add("summary", entry.title)
    event.add("location", entry.location)
    event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")

    organizer = vCalAddress(f"mailto:{entry.organizer_email}")
    organizer.params["cn"] = vText(entry.organizer_name)
    event.add("organizer", organizer)

    attendee = vCalAddress(f"mailto:{entry.attendee_email}")
    attendee.params["cn"] = vText(entry.attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    attendee.params["cutype"] = vText("INDIVIDUAL")
    event.add("attendee", attendee)

    eu_zone = _eu_timezone(tz, entry.starts_at.year)
    if eu_zone is not None:
        calendar.add_component(eu_zone)
    calendar.add_component(event)
    if eu_zone is None:
        calendar.add_missing_timezones()  # exact but long (one RDATE per transition)
    return bytes(calendar.to_ical())


def vtimezone(tz: ZoneInfo, year: int) -> Timezone | None:
    """The compact VTIMEZONE of `tz` in `year` for other calendars (the feeds), or None
    where `tz` does not follow the EU rules (then `Calendar.add_missing_timezones`)."""
    return _eu_timezone(tz, year)


def _last_sunday(year: int, month: int) -> datetime:
    day = datetime(year, month + 1, 1, 1, tzinfo=UTC) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _eu_timezone(tz: ZoneInfo, year: int) -> Timezone | None:
    """A compact VTIMEZONE with the EU summer-time RRULEs (what Outlook itself writes),
    if `tz` follows them in `year` (Europe/Berlin does); None otherwise."""
    std = datetime(year, 1, 15, tzinfo=UTC).astimezone(tz).utcoffset()
    dst = datetime(year, 7, 15, tzinfo=UTC).astimezone(tz).utcoffset()
    if std is None or dst is None or std == dst:
        return None
    spring, autumn = _last_sunday(year, 3), _last_sunday(year, 10)
    second = timedelta(seconds=1)
    for moment, before, after in ((spring, std, dst), (autumn, dst, std)):
        if (moment - second).astimezone(tz).utcoffset() != before:
            return None
        if moment.astimezone(tz).utcoffset() != after:
            return None
    zone = Timezone()
    zone.add("tzid", tz.key)
    for component, start, month, offset_from, offset_to, name in (
        (TimezoneDaylight(), spring, 3, std, dst, "daylight"),
        (TimezoneStandard(), autumn, 10, dst, std, "standard"),
    ):
        local = (start + offset_from).replace(tzinfo=None)
        component.add(
            "dtstart", local.replace(year=1970, month=month, day=29 if month == 3 else 25)
        )
        component.add("rrule", vRecur({"freq": "yearly", "bymonth": month, "byday": "-1su"}))
        component.add("tzoffsetfrom", offset_from)
        component.add("tzoffsetto", offset_to)
        component.add(
            "tzname", datetime(year, 7 if name == "daylight" else 1, 15, tzinfo=tz).tzname()
        )
        zone.add_component(component)
    return zone
