"""The engagement presenter's day arithmetic, which the API, the dashboard and the mail
all read: calendar days by local dates (not by subtracting timestamps), working days
without weekends, the funding period's three cases, and the words for each."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from service.engagements import presenters
from service.engagements.models import Engagement
from workflows.calendar import END_OF_DAY
from workflows.registry import default_registry

BERLIN = ZoneInfo("Europe/Berlin")
PROCESS = default_registry().latest("fokusberatung")


def _engagement(
    *,
    state: str = "application",
    due: datetime | None = None,
    funding_ends: datetime | None = None,
) -> Engagement:
    created = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    return Engagement(
        id=1,
        municipality="Musterstadt",
        applicant_type="municipality",
        federal_state="BY",
        contact_name="Petra Klein",
        contact_email="petra@example.org",
        state=state,
        stage_entered_at=created,
        stage_due_at=due,
        funding_ends_at=funding_ends,
        created_at=created,
        updated_at=created,
    )


def _local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def test_days_are_counted_by_local_dates_not_by_timestamps() -> None:
    # 23:30 on Monday in Berlin is still Monday there, but 22:30 UTC; the deadline at
    # 00:30 on Tuesday in Berlin is 23:30 UTC on Monday: one local day, zero UTC days
    now = _local(2026, 3, 2, 23, 30)
    due = _local(2026, 3, 3, 0, 30)
    seen = presenters.dates(_engagement(due=due), PROCESS, now, BERLIN)
    assert seen.days_left == 1
    assert not seen.overdue
    assert seen.due == due.astimezone(BERLIN)
    assert presenters.deadline_text("de", seen.days_left, seen.overdue) == "noch 1 Tag"


def test_a_deadline_ends_at_the_end_of_its_day_and_is_overdue_after() -> None:
    end_of_monday = datetime.combine(datetime(2026, 3, 2).date(), END_OF_DAY, tzinfo=BERLIN)
    morning = _local(2026, 3, 2, 9)
    today = presenters.dates(_engagement(due=end_of_monday), PROCESS, morning, BERLIN)
    assert (today.days_left, today.overdue) == (0, False)
    assert presenters.deadline_text("en", today.days_left, today.overdue) == "due today"
    two_days_later = _local(2026, 3, 4, 9)
    late = presenters.dates(_engagement(due=end_of_monday), PROCESS, two_days_later, BERLIN)
    assert (late.days_left, late.overdue) == (-2, True)
    assert presenters.deadline_text("de", late.days_left, late.overdue) == "2 Tage überfällig"
    item = presenters.overdue_item(_engagement(due=end_of_monday), two_days_later, BERLIN)
    assert (item.days_overdue, item.working_days_overdue) == (2, 2)


def test_working_days_left_skip_the_weekend() -> None:
    friday = _local(2026, 3, 6, 10)
    next_tuesday = datetime.combine(datetime(2026, 3, 10).date(), END_OF_DAY, tzinfo=BERLIN)
    seen = presenters.dates(_engagement(due=next_tuesday), PROCESS, friday, BERLIN)
    assert seen.days_left == 4
    assert seen.working_days_left == 2  # Monday and Tuesday


@pytest.mark.parametrize(
    ("state", "ends", "days_left", "over", "text"),
    [
        ("onboarding", None, None, False, "noch nicht bewilligt"),
        ("onboarding", _local(2026, 3, 12), 10, False, "noch 10 Tage"),
        ("onboarding", _local(2026, 2, 20), 0, True, "beendet"),
        ("completed", _local(2026, 3, 12), None, True, "beendet"),
    ],
)
def test_the_funding_period(
    state: str, ends: datetime | None, days_left: int | None, over: bool, text: str
) -> None:
    now = _local(2026, 3, 2, 9)
    seen = presenters.dates(_engagement(state=state, funding_ends=ends), PROCESS, now, BERLIN)
    assert seen.funding_days_left == days_left  # what the API answers
    assert seen.funding_over is over
    assert presenters.funding_text("de", seen) == text  # what the overview says


def test_no_deadline() -> None:
    seen = presenters.dates(_engagement(state="completed"), PROCESS, _local(2026, 3, 2), BERLIN)
    assert (seen.due, seen.days_left, seen.working_days_left, seen.overdue) == (
        None,
        None,
        None,
        False,
    )
    assert presenters.deadline_text("en", seen.days_left, seen.overdue) == "no deadline"
