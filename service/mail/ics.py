"""The calendar entry of a workshop invitation (RFC 5545 / iTIP, built with icalendar).

One UID per workshop, kept for its life; SEQUENCE rises with every move or
cancellation, so Outlook and Thunderbird update or remove the entry they already have.
Times carry TZID=Europe/Berlin (FOKUS_TIMEZONE) with the matching VTIMEZONE, so the
entry shows the right local time on either side of a DST change.

Many invitees of one workshop version get the same entry but for three lines: their
ATTENDEE, the DESCRIPTION with their RSVP link, and the URL (that link). Building the
whole calendar with icalendar cost ~1 ms per invitee (60 % of queueing an invitation,
issue 16), so `CalendarTemplate` builds it once and writes only those three lines per
invitee, with icalendar's own escaping and folding: the bytes are those `build_ics`
gives for the same entry (tests/mail/test_ics_template.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    vUri,
)
from icalendar.parser import Contentline

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

    event.add("attendee", _attendee(entry.attendee_name, entry.attendee_email))

    eu_zone = _eu_timezone(tz, entry.starts_at.year)
    if eu_zone is not None:
        calendar.add_component(eu_zone)
    calendar.add_component(event)
    if eu_zone is None:
        calendar.add_missing_timezones()  # exact but long (one RDATE per transition)
    return bytes(calendar.to_ical())


def _attendee(name: str, email: str) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{email}")
    attendee.params["cn"] = vText(name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    attendee.params["cutype"] = vText("INDIVIDUAL")
    return attendee


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


# what stands in for the invitee's values while the shared part is built
_SLOT = "fokus-invitee-slot"
_SLOTS = {
    b"ATTENDEE": f"mailto:{_SLOT}@invalid",
    b"DESCRIPTION": f"{_SLOT}-description",
    b"URL": f"https://{_SLOT}.invalid/",
}


def _logical_lines(data: bytes) -> list[bytes]:
    """The content lines of an .ics with their folds (and CRLF) kept as they are."""
    lines: list[bytes] = []
    for physical in data.split(b"\r\n")[:-1]:
        if physical[:1] in (b" ", b"\t") and lines:
            lines[-1] += b"\r\n" + physical
        else:
            lines.append(physical)
    return [line + b"\r\n" for line in lines]


class CalendarTemplate:
    """The .ics of one workshop version for any number of invitees: built once; per
    invitee only ATTENDEE, DESCRIPTION and URL are written (`for_invitee`)."""

    def __init__(self, entry: CalendarEntry, tz: ZoneInfo, *, method: str = "REQUEST") -> None:
        marked = replace(
            entry,
            attendee_name=_SLOT,
            attendee_email=f"{_SLOT}@invalid",
            description=_SLOTS[b"DESCRIPTION"],
            url=_SLOTS[b"URL"] if entry.url is not None else None,
        )
        self.with_url = entry.url is not None
        self.parts: list[bytes] = []  # shared bytes, or the name of an invitee's line
        self.slots: set[int] = set()
        for line in _logical_lines(build_ics(marked, tz, method=method)):
            name = line.split(b";", 1)[0].split(b":", 1)[0]
            if name in _SLOTS and _SLOT.encode() in line.replace(b"\r\n ", b""):
                self.slots.add(len(self.parts))
                self.parts.append(name)
            elif self.parts and len(self.parts) - 1 not in self.slots:
                self.parts[-1] += line
            else:
                self.parts.append(line)

    def for_invitee(self, name: str, email: str, description: str, url: str | None) -> bytes:
        """The whole .ics for one invitee, as `build_ics` writes it."""
        if (url is not None) != self.with_url:
            raise ValueError("the template was built with a URL line, the invitee without")
        lines = {
            b"ATTENDEE": _content_line("ATTENDEE", _attendee(name, email)),
            b"DESCRIPTION": _content_line("DESCRIPTION", vText(description)),
            b"URL": _content_line("URL", vUri(url)) if url is not None else b"",
        }
        return b"".join(
            lines[part] if index in self.slots else part for index, part in enumerate(self.parts)
        )


def _content_line(name: str, value: vText | vUri | vCalAddress) -> bytes:
    """One property as icalendar's Component.content_line writes it, folded."""
    return _fold(str(Contentline.from_parts(name, value.params, value)).encode()) + b"\r\n"


def _fold(line: bytes) -> bytes:
    """icalendar's folding (`icalendar.parser.foldline`, a loop over characters) done
    on the UTF-8 bytes: at most 74 octets a line, never inside a character, and an
    escape (backslash or caret) never separated from what it escapes."""
    chunks, start = [], 0
    while len(line) - start > 74:
        end = start + 74
        while line[end] & 0xC0 == 0x80:  # a continuation byte: the character goes on
            end -= 1
        if line[end - 1] in b"\\^" and end - start > 1:
            end -= 1
        chunks.append(line[start:end])
        start = end
    chunks.append(line[start:])
    return b"\r\n ".join(chunks)
