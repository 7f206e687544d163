"""Warnings about a workshop's day (issue 15): a workshop on a Saturday, a Sunday or a
public holiday of the engagement's federal state is allowed (a Saturday workshop for
citizens is common), but whoever plans it should know, so the API's answer carries
`warnings` (English) and `warnings_de` (German), and the dashboard shows the German or
English text after saving. Holidays come from workflows/calendar.py, the same table the
deadlines use; the holiday's name stays German in both languages (it is a proper name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from workflows import calendar

_WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# a workshop longer than this is checked on its first days only
_MAX_DAYS = 14


@dataclass(frozen=True)
class DayWarning:
    en: str
    de: str


def _one_day(day: date, state: str) -> DayWarning | None:
    shown = day.strftime("%d.%m.%Y")
    holiday = calendar.holiday_name(day, state)
    land = calendar.FEDERAL_STATES.get(state, state)
    if holiday is not None:
        return DayWarning(
            en=f"The workshop falls on a public holiday in {land}: {holiday} ({shown}). "
            "It is saved; please check that the invitees can come.",
            de=f"Der Workshop fällt auf einen Feiertag in {land}: {holiday} ({shown}). "
            "Er ist gespeichert; bitte prüfen Sie, ob die Eingeladenen kommen können.",
        )
    if day.weekday() >= 5:
        return DayWarning(
            en=f"The workshop falls on a {_WEEKDAYS_EN[day.weekday()]} ({shown}). "
            "It is saved; please check that the invitees can come.",
            de=f"Der Workshop fällt auf einen {_WEEKDAYS_DE[day.weekday()]} ({shown}). "
            "Er ist gespeichert; bitte prüfen Sie, ob die Eingeladenen kommen können.",
        )
    return None


def warnings(starts_at: datetime, ends_at: datetime, state: str, tz: ZoneInfo) -> list[DayWarning]:
    """One warning per weekend day or holiday the workshop touches (local days)."""
    first = starts_at.astimezone(tz).date()
    last = min(ends_at.astimezone(tz).date(), first + timedelta(days=_MAX_DAYS - 1))
    found: list[DayWarning] = []
    day = first
    while day <= last:
        warning = _one_day(day, state)
        if warning is not None:
            found.append(warning)
        day += timedelta(days=1)
    return found
