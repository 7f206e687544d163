"""Working days per German federal state.

A working day is Monday to Friday and not a public holiday of the federal state
(the `holidays` package, subdivision = ISO code). Deadlines that fall on a weekend
or holiday move to the next working day (§ 193 BGB).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

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


@lru_cache(maxsize=16 * 8)
def _holidays(state: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DE", subdiv=state, years=year).keys())


def holiday_name(day: date, state: str) -> str | None:
    name = holidays.country_holidays("DE", subdiv=state, years=day.year, language="de").get(day)
    return None if name is None else str(name)


def is_working_day(day: date, state: str) -> bool:
    if state not in FEDERAL_STATES:
        raise ValueError(f"unknown federal state {state!r}")
    return day.weekday() < 5 and day not in _holidays(state, day.year)


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

    Arithmetic, not a walk: 5 weekdays per full week, the rest counted, minus the
    state's holidays that fall on a weekday in the range (the overdue view calls this
    for every row of a page, some of them a year overdue)."""
    if state not in FEDERAL_STATES:
        raise ValueError(f"unknown federal state {state!r}")
    if end < start:
        return -working_days_between(end, start, state)
    full_weeks, rest = divmod((end - start).days, 7)
    count = full_weeks * 5
    tail_start = start + timedelta(days=full_weeks * 7)
    for offset in range(1, rest + 1):
        if (tail_start + timedelta(days=offset)).weekday() < 5:
            count += 1
    for year in range(start.year, end.year + 1):
        for holiday in _holidays(state, year):
            if start < holiday <= end and holiday.weekday() < 5:
                count -= 1
    return count


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
