"""When a milestone falls due (docs/api.md, milestones): from the funding
period, by the engagement's process version, KRL version and federal state. A date the
municipality must meet moves past weekends and holidays to the next working day (§ 31 (3)
VwVfG); the end of the funding period itself never moves (§ 31 (4) VwVfG)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from service.core.settings import Settings
from service.engagements.models import Engagement
from service.milestones.service import due_at
from tests.conftest import BERLIN
from workflows import calendar
from workflows.processes import fokusberatung, klimaschutzmanagement

PROCESSES = {
    "fokusberatung": fokusberatung.VERSION_2,
    "klimaschutzmanagement": klimaschutzmanagement.VERSION_1,
}

CASES = [
    # (what, process, milestone, KRL, federal state, period start, period end, settings, due)
    (
        "funding end on a Saturday is not moved",
        "fokusberatung",
        "funding_end",
        "2020",
        "BY",
        date(2026, 2, 1),
        date(2027, 7, 31),
        {},
        date(2027, 7, 31),
    ),
    (
        "proof of use on a Saturday moves to Monday",
        "fokusberatung",
        "proof_of_use",
        "2020",
        "BY",
        date(2025, 8, 1),
        date(2027, 1, 31),
        {},
        date(2027, 8, 2),
    ),
    (
        "proof of use on All Saints' Day, a holiday in Bavaria, moves",
        "fokusberatung",
        "proof_of_use",
        "2022",
        "BY",
        date(2025, 11, 1),
        date(2027, 5, 1),
        {},
        date(2027, 11, 2),
    ),
    (
        "the same day in Lower Saxony, a working day, stays",
        "fokusberatung",
        "proof_of_use",
        "2022",
        "NI",
        date(2025, 11, 1),
        date(2027, 5, 1),
        {},
        date(2027, 11, 1),
    ),
    (
        "FOKUS_PROOF_OF_USE_MONTHS",
        "fokusberatung",
        "proof_of_use",
        "2020",
        "BY",
        date(2025, 8, 1),
        date(2027, 1, 31),
        {"proof_of_use_months": 3},
        date(2027, 4, 30),
    ),
    (
        "concept draft on New Year's Day (a Saturday) moves to Monday",
        "klimaschutzmanagement",
        "concept_draft",
        "2020",
        "BY",
        date(2027, 1, 1),
        date(2028, 12, 31),
        {},
        date(2028, 1, 3),
    ),
    (
        "final concept 18 months after the start, a Saturday, moves to Monday",
        "klimaschutzmanagement",
        "concept_final",
        "2020",
        "BY",
        date(2027, 1, 1),
        date(2028, 12, 31),
        {},
        date(2028, 7, 3),
    ),
    (
        "follow-on application 5 months before the end",
        "klimaschutzmanagement",
        "follow_on_application",
        "2020",
        "BY",
        date(2027, 1, 1),
        date(2028, 12, 31),
        {},
        date(2028, 7, 31),
    ),
    (
        "FOKUS_FOLLOW_ON_LEAD_MONTHS",
        "klimaschutzmanagement",
        "follow_on_application",
        "2024",
        "BY",
        date(2027, 1, 1),
        date(2028, 12, 31),
        {"follow_on_lead_months": 4},
        date(2028, 8, 31),
    ),
    (
        "under KRL 2022 the Richtlinie fixes 6 months, whatever the setting",
        "klimaschutzmanagement",
        "follow_on_application",
        "2022",
        "BY",
        date(2027, 1, 1),
        date(2028, 12, 31),
        {"follow_on_lead_months": 4},
        date(2028, 6, 30),
    ),
    (
        "a Klimaschutzmanagement's funding end on a Sunday is not moved",
        "klimaschutzmanagement",
        "funding_end",
        "2020",
        "BY",
        date(2027, 1, 1),
        date(2028, 12, 31),
        {},
        date(2028, 12, 31),
    ),
]


def _engagement(**fields: Any) -> Engagement:
    created = datetime(2025, 1, 1, tzinfo=BERLIN)
    return Engagement(
        municipality="Gemeinde Beispielstadt",
        applicant_type="municipality",
        contact_name="Anna Schmidt",
        contact_email="anna.schmidt@example.org",
        state="implementation",
        created_at=created,
        stage_entered_at=created,
        updated_at=created,
        **fields,
    )


@pytest.mark.parametrize(
    ("process", "name", "krl", "state", "start", "end", "overrides", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_due_dates(
    process: str,
    name: str,
    krl: str,
    state: str,
    start: date,
    end: date,
    overrides: dict[str, int],
    expected: date,
) -> None:
    definition = PROCESSES[process]
    engagement = _engagement(
        process=process,
        process_version=definition.version,
        federal_state=state,
        krl_version=krl,
        funding_starts_at=datetime.combine(start, time(0), tzinfo=BERLIN),
        funding_ends_at=datetime.combine(end, calendar.END_OF_DAY, tzinfo=BERLIN),
    )
    milestone = next(m for m in definition.milestones if m.name == name)
    due = due_at(milestone, engagement, Settings(**overrides))  # type: ignore[arg-type]
    assert due == datetime.combine(expected, calendar.END_OF_DAY, tzinfo=BERLIN)


def test_no_due_date_before_the_funding_period_is_known() -> None:
    engagement = _engagement(process="fokusberatung", process_version=2, federal_state="BY")
    for milestone in fokusberatung.VERSION_2.milestones:
        assert due_at(milestone, engagement, Settings()) is None
