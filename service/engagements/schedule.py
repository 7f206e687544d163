"""When things fall due for one engagement: stage deadline, reminder, escalation, and
the funding period. Computed whenever a stage is entered or a deadline is moved, and
stored as rows' due times so sweeps only compare timestamps (ARCHITECTURE rule 3)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from service.core.settings import Settings
from workflows import calendar
from workflows.definition import Process

REMINDER_TIME = time(8, 0)
FUNDING_WARNINGS = (timedelta(weeks=8), timedelta(weeks=2))


def reminder_at(due: datetime, federal_state: str, settings: Settings, now: datetime) -> datetime:
    """08:00 local on the working day N working days before the deadline's day; a deadline
    moved into that window is reminded of at once."""
    due_day = due.astimezone(settings.tz).date()
    day = calendar.subtract_working_days(due_day, settings.reminder_working_days, federal_state)
    at = datetime.combine(day, REMINDER_TIME, tzinfo=settings.tz)
    return max(at, now) if at < due else due


def deadline_fields(
    due: datetime | None, federal_state: str, settings: Settings, now: datetime
) -> dict[str, Any]:
    """The bookkeeping columns for a (new) stage deadline; all None for a final stage."""
    if due is None:
        return {
            "stage_due_at": None,
            "reminder_at": None,
            "next_escalation_at": None,
            "escalation_count": 0,
        }
    return {
        "stage_due_at": due,
        "reminder_at": reminder_at(due, federal_state, settings, now) if due > now else None,
        "next_escalation_at": due,
        "escalation_count": 0,
    }


def stage_due(
    process: Process, stage: str, entered: datetime, federal_state: str, settings: Settings
) -> datetime | None:
    days = settings.deadline_working_days(process, stage)
    if days is None:
        return None
    return calendar.stage_deadline(entered, days, federal_state, settings.tz)


def normalise_deadline(due: datetime, federal_state: str, settings: Settings) -> datetime:
    """A deadline is the end of a working day; a weekend or holiday moves to the next
    working day (§ 193 BGB)."""
    local_day = due.astimezone(settings.tz).date()
    return calendar.end_of_working_day(local_day, federal_state, settings.tz)


def funding_end(approved: datetime, federal_state: str, settings: Settings) -> datetime:
    start = approved.astimezone(settings.tz).date()
    last_day = calendar.add_months(start, settings.funding_period_months)
    return calendar.end_of_working_day(last_day, federal_state, settings.tz)


def funding_fields(starts: datetime, ends: datetime) -> dict[str, Any]:
    """The funding period's columns; its warnings start over from the (new) end (the
    sweep sends only the latest one already due, once)."""
    return {
        "funding_starts_at": starts,
        "funding_ends_at": ends,
        "next_funding_warning_at": next_funding_warning(ends, 0),
        "funding_warnings_sent": 0,
    }


def funding_from_grant(start: date, end: date, settings: Settings) -> dict[str, Any]:
    """The funding period of a grant notice: from the start of its first day to the end of
    its last day, local time. Unlike a deadline the municipality must meet, the end is
    never moved past a weekend or holiday: a period in which an authority provides
    benefits ends on its last day (§ 31 (4) VwVfG)."""
    starts = datetime.combine(start, time(0, 0), tzinfo=settings.tz)
    ends = datetime.combine(end, calendar.END_OF_DAY, tzinfo=settings.tz)
    return funding_fields(starts, ends)


def next_funding_warning(funding_ends: datetime, sent: int) -> datetime | None:
    """The instant of the next funding-period warning, or None once both are sent."""
    if sent >= len(FUNDING_WARNINGS):
        return None
    return funding_ends - FUNDING_WARNINGS[sent]
