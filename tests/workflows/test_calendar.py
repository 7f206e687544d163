"""Working days per federal state, table-driven: which days are public holidays where,
Easter-dependent holidays over several years, year boundaries, § 193 BGB."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows import calendar

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("day", "state", "working"),
    [
        # Fronleichnam (Thursday, 60 days after Easter): BY and NW, not NI
        (date(2026, 6, 4), "BY", False),
        (date(2026, 6, 4), "NW", False),
        (date(2026, 6, 4), "NI", True),
        (date(2026, 6, 4), "BE", True),
        # Reformationstag: SN and NI (since 2018), not BY or NW
        (date(2025, 10, 31), "SN", False),
        (date(2025, 10, 31), "NI", False),
        (date(2025, 10, 31), "TH", False),
        (date(2025, 10, 31), "BY", True),
        (date(2025, 10, 31), "NW", True),
        (date(2017, 10, 31), "BY", False),  # the 500th anniversary: nationwide, once
        (date(2016, 10, 31), "NI", True),  # NI only since 2018
        # Buß- und Bettag: only SN
        (date(2025, 11, 19), "SN", False),
        (date(2026, 11, 18), "SN", False),
        (date(2025, 11, 19), "BY", True),
        (date(2025, 11, 19), "NI", True),
        (date(2026, 11, 18), "TH", True),
        # Frauentag: BE (since 2019)
        (date(2024, 3, 8), "BE", False),
        (date(2027, 3, 8), "BE", False),
        (date(2024, 3, 8), "BB", True),
        (date(2018, 3, 8), "BE", True),
        # Weltkindertag: TH (since 2019)
        (date(2024, 9, 20), "TH", False),
        (date(2027, 9, 20), "TH", False),
        (date(2024, 9, 20), "SN", True),
        (date(2018, 9, 20), "TH", True),
        # Heilige Drei Könige: BY, BW, ST
        (date(2027, 1, 6), "BY", False),
        (date(2027, 1, 6), "BW", False),
        (date(2027, 1, 6), "ST", False),
        (date(2027, 1, 6), "NW", True),
        # Allerheiligen: BY, NW, not NI
        (date(2027, 11, 1), "BY", False),
        (date(2027, 11, 1), "NW", False),
        (date(2027, 11, 1), "NI", True),
        # national holidays everywhere; 24 and 31 December are working days
        (date(2026, 10, 3), "HB", False),  # a Saturday anyway
        (date(2025, 10, 3), "HB", False),
        (date(2025, 12, 25), "HH", False),
        (date(2025, 12, 26), "HH", False),
        (date(2025, 12, 24), "HH", True),
        (date(2025, 12, 31), "HH", True),
        (date(2027, 1, 1), "SH", False),
        # weekends
        (date(2026, 3, 7), "BY", False),
        (date(2026, 3, 8), "NI", False),
        (date(2026, 3, 9), "NI", True),
    ],
)
def test_working_day_per_state(day: date, state: str, working: bool) -> None:
    assert calendar.is_working_day(day, state) is working


# Easter Sunday per year; Good Friday -2, Easter Monday +1, Ascension +39,
# Whit Monday +50, Corpus Christi +60
EASTER = {
    2024: date(2024, 3, 31),
    2025: date(2025, 4, 20),
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2028: date(2028, 4, 16),
    2029: date(2029, 4, 1),
    2030: date(2030, 4, 21),
}
EASTER_HOLIDAYS = {
    "Karfreitag": (date(2024, 3, 29), date(2025, 4, 18), date(2027, 3, 26), date(2030, 4, 19)),
    "Ostermontag": (date(2024, 4, 1), date(2025, 4, 21), date(2028, 4, 17), date(2029, 4, 2)),
    "Christi Himmelfahrt": (date(2024, 5, 9), date(2025, 5, 29), date(2027, 5, 6)),
    "Pfingstmontag": (date(2024, 5, 20), date(2025, 6, 9), date(2028, 6, 5), date(2030, 6, 10)),
}


@pytest.mark.parametrize(
    ("name", "day"), [(name, day) for name, days in EASTER_HOLIDAYS.items() for day in days]
)
@pytest.mark.parametrize("state", ["BY", "NI", "SN", "BE"])
def test_easter_dependent_holidays_over_several_years(name: str, day: date, state: str) -> None:
    assert not calendar.is_working_day(day, state)
    assert calendar.holiday_name(day, state) == name


@pytest.mark.parametrize(("year", "easter"), sorted(EASTER.items()))
def test_corpus_christi_follows_easter_in_by_not_in_ni(year: int, easter: date) -> None:
    corpus_christi = date.fromordinal(easter.toordinal() + 60)
    assert corpus_christi.weekday() == 3
    assert calendar.holiday_name(corpus_christi, "BY") == "Fronleichnam"
    assert calendar.is_working_day(corpus_christi, "NI")


@pytest.mark.parametrize(
    ("start", "n", "state", "expected"),
    [
        (date(2026, 3, 2), 5, "BY", date(2026, 3, 9)),  # Monday + 5 = next Monday
        (date(2026, 3, 6), 1, "BY", date(2026, 3, 9)),  # Friday + 1 = Monday
        (date(2026, 3, 7), 1, "BY", date(2026, 3, 9)),  # from a Saturday
        (date(2026, 4, 2), 1, "NW", date(2026, 4, 7)),  # over Good Friday and Easter Monday
        (date(2026, 6, 3), 1, "BY", date(2026, 6, 5)),  # over Fronleichnam in BY
        (date(2026, 6, 3), 1, "NI", date(2026, 6, 4)),  # but not in NI
        (date(2026, 11, 17), 1, "SN", date(2026, 11, 19)),  # over Buß- und Bettag
        (date(2026, 11, 17), 1, "NI", date(2026, 11, 18)),
        (date(2027, 3, 5), 1, "BE", date(2027, 3, 9)),  # over Frauentag (Mon 8 March)
        (date(2027, 3, 5), 1, "HH", date(2027, 3, 8)),
        (date(2027, 9, 17), 1, "TH", date(2027, 9, 21)),  # over Weltkindertag
        # year boundaries: Christmas, New Year, Epiphany in BY
        (date(2026, 12, 23), 2, "NI", date(2026, 12, 28)),
        (date(2026, 12, 23), 6, "NI", date(2027, 1, 4)),
        (date(2027, 1, 5), 1, "BY", date(2027, 1, 7)),
        (date(2027, 1, 5), 1, "NW", date(2027, 1, 6)),
        (date(2027, 12, 30), 1, "SH", date(2027, 12, 31)),
        (date(2027, 12, 31), 1, "SH", date(2028, 1, 3)),
        # n = 0: the day itself, or the next working day (§ 193 BGB)
        (date(2026, 3, 2), 0, "BY", date(2026, 3, 2)),
        (date(2026, 10, 31), 0, "NI", date(2026, 11, 2)),
        # negative: backwards
        (date(2026, 4, 7), -1, "NW", date(2026, 4, 2)),
        (date(2027, 1, 4), -2, "NI", date(2026, 12, 30)),
        # a long stage: 120 working days
        (date(2026, 3, 2), 120, "BY", date(2026, 8, 25)),
    ],
)
def test_add_working_days(start: date, n: int, state: str, expected: date) -> None:
    assert calendar.add_working_days(start, n, state) == expected


@pytest.mark.parametrize(
    ("day", "state", "expected"),
    [
        (date(2026, 10, 31), "NI", date(2026, 11, 2)),  # Saturday → Monday
        (date(2026, 11, 1), "BY", date(2026, 11, 2)),  # Sunday (and Allerheiligen)
        (date(2026, 6, 4), "BY", date(2026, 6, 5)),  # Fronleichnam → Friday
        (date(2026, 6, 4), "NI", date(2026, 6, 4)),
        (date(2026, 12, 25), "BE", date(2026, 12, 28)),
        (date(2027, 12, 25), "BE", date(2027, 12, 27)),
        (date(2028, 1, 1), "BY", date(2028, 1, 3)),
        (date(2026, 4, 3), "SN", date(2026, 4, 7)),  # Good Friday over Easter to Tuesday
    ],
)
def test_next_working_day_section_193_bgb(day: date, state: str, expected: date) -> None:
    assert calendar.next_working_day(day, state) == expected


@pytest.mark.parametrize(
    ("start", "end", "state", "expected"),
    [
        (date(2026, 3, 2), date(2026, 3, 9), "BY", 5),
        (date(2026, 3, 9), date(2026, 3, 2), "BY", -5),
        (date(2026, 3, 2), date(2026, 3, 2), "BY", 0),
        (date(2026, 12, 23), date(2027, 1, 7), "BY", 8),  # 24,28,29,30,31,4,5,7
        (date(2026, 12, 23), date(2027, 1, 7), "NW", 9),
        (date(2026, 11, 16), date(2026, 11, 20), "SN", 3),
    ],
)
def test_working_days_between(start: date, end: date, state: str, expected: int) -> None:
    assert calendar.working_days_between(start, end, state) == expected


@pytest.mark.parametrize(
    ("entered", "days", "state", "expected"),
    [
        # entered Monday 9:00, 20 working days: Monday four weeks later, end of day
        (datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN), 20, "BY", datetime(2026, 3, 30, 23, 59, 59)),
        # late evening UTC is already the next local day
        (
            datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC")),
            1,
            "BY",
            datetime(2026, 3, 3, 23, 59, 59),
        ),
        # over Easter in 2026: Good Friday and Easter Monday do not count
        (datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN), 5, "NI", datetime(2026, 4, 8, 23, 59, 59)),
        # over Christmas and New Year in BY (Epiphany too)
        (datetime(2026, 12, 21, 9, 0, tzinfo=BERLIN), 10, "BY", datetime(2027, 1, 7, 23, 59, 59)),
    ],
)
def test_stage_deadline_is_end_of_a_working_day(
    entered: datetime, days: int, state: str, expected: datetime
) -> None:
    due = calendar.stage_deadline(entered, days, state, BERLIN)
    assert due == expected.replace(tzinfo=BERLIN)
    assert calendar.is_working_day(due.date(), state)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 3, 2), 18, date(2027, 9, 2)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_add_months_clamps(start: date, months: int, expected: date) -> None:
    assert calendar.add_months(start, months) == expected


def test_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown federal state"):
        calendar.is_working_day(date(2026, 3, 2), "XX")


def _walk_count(start: date, end: date, state: str) -> int:
    count, day = 0, start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        count += calendar.is_working_day(day, state)
    return count


@pytest.mark.parametrize("state", sorted(calendar.FEDERAL_STATES))
def test_working_days_between_matches_a_day_by_day_walk(state: str) -> None:
    """The arithmetic count agrees with counting day by day, over two years of ranges."""
    base = date(2025, 12, 1)
    for offset in range(0, 400, 37):
        start = date.fromordinal(base.toordinal() + offset)
        for length in (0, 1, 6, 7, 8, 30, 200, 420):
            end = date.fromordinal(start.toordinal() + length)
            assert calendar.working_days_between(start, end, state) == _walk_count(
                start, end, state
            ), (start, end)
            assert calendar.working_days_between(end, start, state) == -_walk_count(
                start, end, state
            )


# Property tests: the calendar's tables against the `holidays` package asked one year at a
# time and a count day by day, over random ranges in every federal state. The dates reach
# past the years the package knows for Germany (1991..2100) on both sides.
STATES = st.sampled_from(sorted(calendar.FEDERAL_STATES))
DAYS = st.dates(min_value=date(1985, 1, 1), max_value=date(2206, 12, 31))
PROPERTIES = settings(max_examples=300, deadline=None, database=None)


@cache
def _package_year(state: str, year: int) -> dict[date, str]:
    """The package's holidays for one year, as the calendar looked them up before it
    kept one table per state."""
    built = holidays.country_holidays("DE", subdiv=state, years=year, language="de")
    return {day: str(name) for day, name in built.items()}


def _naive_working_day(day: date, state: str) -> bool:
    return day.weekday() < 5 and day not in _package_year(state, day.year)


def _naive_between(start: date, end: date, state: str) -> int:
    """Working days in (start, end], one day at a time."""
    low, high, sign = (start, end, 1) if start <= end else (end, start, -1)
    days = (low + timedelta(days=i) for i in range(1, (high - low).days + 1))
    return sign * sum(_naive_working_day(day, state) for day in days)


@PROPERTIES
@given(state=STATES, start=DAYS, length=st.integers(min_value=-1500, max_value=1500))
def test_working_days_between_equals_a_naive_count(state: str, start: date, length: int) -> None:
    end = start + timedelta(days=length)
    assert calendar.working_days_between(start, end, state) == _naive_between(start, end, state)


@PROPERTIES
@given(state=STATES, day=DAYS)
def test_working_days_and_holiday_names_equal_the_package_per_year(state: str, day: date) -> None:
    assert calendar.is_working_day(day, state) is _naive_working_day(day, state)
    assert calendar.holiday_name(day, state) == _package_year(state, day.year).get(day)


@PROPERTIES
@given(state=STATES, start=DAYS, n=st.integers(min_value=-300, max_value=300))
def test_add_working_days_is_undone_by_the_count(state: str, start: date, n: int) -> None:
    """n working days later, there are n working days in (start, end]; n back, there are
    |n| in [end, start). Either way the day reached is a working day."""
    end = calendar.add_working_days(start, n, state)
    assert _naive_working_day(end, state)
    if n > 0:
        assert _naive_between(start, end, state) == n
        assert calendar.working_days_between(start, end, state) == n
    elif n < 0:
        day = timedelta(days=1)
        assert _naive_between(end - day, start - day, state) == -n
        assert calendar.working_days_between(start - day, end - day, state) == n
    else:
        assert end == calendar.next_working_day(start, state)


@pytest.mark.parametrize("state", sorted(calendar.FEDERAL_STATES))
def test_working_days_between_over_the_whole_range_of_deadlines(state: str) -> None:
    """From before the package's first year to the latest deadline the API accepts."""
    start, end = date(1989, 12, 29), date(2200, 1, 1)
    assert calendar.working_days_between(start, end, state) == _naive_between(start, end, state)


class _CountingBuilds:
    """Counts the `holidays` objects built, by wrapping the package's factory."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.builds = 0
        self._real = holidays.country_holidays
        monkeypatch.setattr(holidays, "country_holidays", self._build)

    def _build(self, *args: Any, **kwargs: Any) -> Any:
        self.builds += 1
        return self._real(*args, **kwargs)


def test_the_cost_of_a_count_does_not_grow_with_the_distance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counting to deadlines in 2090 in all 16 states builds no more holiday tables than
    counting to deadlines next year: one per state, once per process. (Day by day, or one
    table per state and year, it would be 16 x 65 tables for every page.)"""
    counting = _CountingBuilds(monkeypatch)
    calendar._table.cache_clear()
    today = date(2026, 3, 2)
    states = sorted(calendar.FEDERAL_STATES)

    near = [calendar.working_days_between(today, date(2027, 6, 30), s) for s in states]
    assert counting.builds == len(states)
    far = [calendar.working_days_between(today, date(2090, 6, 30), s) for s in states]
    for i in range(100):  # a page of 100 engagements, deadlines spread over 2090
        calendar.working_days_between(
            today, date(2090, 1, 2) + timedelta(days=3 * i), states[i % 16]
        )
    assert counting.builds == len(states)
    assert near == [_naive_between(today, date(2027, 6, 30), s) for s in states]
    assert far[:2] == [_naive_between(today, date(2090, 6, 30), s) for s in states[:2]]
