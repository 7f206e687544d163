"""Working days per German federal state.

A working day is Monday to Friday and not a public holiday of the federal state
(the `holidays` package, subdivision = ISO code). Deadlines that fall on a weekend
or holiday move to the next working day (§ 193 BGB).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays.countries.germany import Germany

FEDERAL_STATES: dict[str, str] = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "BE": "Berlin",
    "BB": "Brandenburg",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}

END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class _StateHolidays:
    """Every public holiday of one state that the `holidays` package knows, built once.

    Germany's rules in the package cover `start_year`..`end_year` (1991..2100 in holidays
    0.109); for any other year it has no holidays at all, so one object over that span
    answers every date exactly as a look-up per year would. A look-up per (state, year)
    behind a bounded cache was what made a page of deadlines in 2090 fifty times slower
    than one with deadlines next year: 16 states x 65 years evicted each other, and every
    listed engagement built 65 `holidays` objects (~3 ms each, mostly their set-up)."""

    names: Mapping[date, str]
    weekday_ordinals: tuple[int, ...]  # sorted; the holidays that fall on Monday-Friday


@lru_cache(maxsize=len(FEDERAL_STATES))
def _table(state: str) -> _StateHolidays:
    if state not in FEDERAL_STATES:
        raise ValueError(f"unknown federal state {state!r}")
    years = range(Germany.start_year, Germany.end_year + 1)
    built = holidays.country_holidays("DE", subdiv=state, years=years, language="de")
    names = {day: str(name) for day, name in built.items()}
    ordinals = sorted(day.toordinal() for day in names if day.weekday() < 5)
    return _StateHolidays(names=names, weekday_ordinals=tuple(ordinals))


def holiday_name(day: date, state: str) -> str | None:
    """The German name of the state's public holiday on `day`, if it is one."""
    return _table(state).names.get(day)


def is_working_day(day: date, state: str) -> bool:
    return day.weekday() < 5 and day not in _table(state).names


def next_working_day(day: date, state: str) -> date:
    """`day` itself if it is a working day, else the next one (§ 193 BGB)."""
    while not is_working_day(day, state):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, n: int, state: str) -> date:
    """The date `n` working days after `day` (n=0: `day` or the next working day)."""
    if n < 0:
        return subtract_working_days(day, -n, state)
    current = next_working_day(day, state) if n == 0 else day
    remaining = n
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, state):
            remaining -= 1
    return current


def subtract_working_days(day: date, n: int, state: str) -> date:
    current = day
    remaining = n
    while remaining > 0:
        current -= timedelta(days=1)
        if is_working_day(current, state):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, state: str) -> int:
    """Working days in (start, end]; negative if end is before start.

    Constant cost whatever the distance (every listed engagement and every row of the
    overdue view calls this, with deadlines up to 2200): 5 weekdays per full week, at most
    six days counted one by one, minus the state's weekday holidays in the range, found by
    two binary searches in the state's sorted table."""
    table = _table(state)
    if end < start:
        return -working_days_between(end, start, state)
    full_weeks, rest = divmod((end - start).days, 7)
    count = full_weeks * 5
    tail_start = start + timedelta(days=full_weeks * 7)
    for offset in range(1, rest + 1):
        if (tail_start + timedelta(days=offset)).weekday() < 5:
            count += 1
    ordinals = table.weekday_ordinals
    holidays_in_range = bisect_right(ordinals, end.toordinal()) - bisect_right(
        ordinals, start.toordinal()
    )
    return count - holidays_in_range


def end_of_working_day(day: date, state: str, tz: ZoneInfo) -> datetime:
    """The deadline instant for `day`: the end of it, or of the next working day."""
    return datetime.combine(next_working_day(day, state), END_OF_DAY, tzinfo=tz)


def stage_deadline(entered: datetime, working_days: int, state: str, tz: ZoneInfo) -> datetime:
    """End of the working day `working_days` after the local day a stage was entered."""
    local_day = entered.astimezone(tz).date()
    return end_of_working_day(add_working_days(local_day, working_days, state), state, tz)


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
