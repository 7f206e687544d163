"""Must show 3: the funding-period warning (8 and 2 weeks before the end) goes only to
engagements with no started measure; and a walk through 18 months, a day at a time,
with every sweep at every step, that queues exactly what the calendar says."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from service.core.clock import MovableClock
from service.core.context import Context
from service.engagements.reminders import sweep_all
from tests.conftest import BERLIN
from tests.deadlines.conftest import SUPERVISORS, kinds, outbox
from tests.support import Api

# approved Monday 2 March 2026: 18 months → Thursday 2 September 2027, end of day
FUNDING_END = datetime(2027, 9, 2, 23, 59, 59, tzinfo=BERLIN)
WARN_8W = FUNDING_END - timedelta(weeks=8)
WARN_2W = FUNDING_END - timedelta(weeks=2)
APPLICATION_DUE = datetime(2026, 3, 30, 23, 59, 59, tzinfo=BERLIN)


def _approved(staff: Api, name: str, measures: int = 2) -> int:
    eid = int(staff.engagement(municipality=name, contact_email=f"{name[:4]}@example.org")["id"])
    staff.ok(staff.fire(eid, "approve"))
    for i in range(measures):
        staff.measure(eid, title=f"Maßnahme {i}")
    return eid


def _start_measure(staff: Api, eid: int) -> None:
    first = staff.ok(staff.get(f"/api/v1/engagements/{eid}/measures"))[0]
    staff.ok(staff.patch(f"/api/v1/measures/{first['id']}", json={"status": "in_progress"}))


def _funding(ctx: Context) -> Counter[tuple[int | None, str]]:
    return Counter(
        (m.engagement_id, (m.dedupe_key or "").split(":")[2])
        for m in outbox(ctx, "funding_warning")
    )


def test_funding_warnings_only_without_a_started_measure_over_18_months(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    idle = _approved(staff, "Gemeinde Ohnetat")
    busy = _approved(staff, "Stadt Fleißig")
    _start_measure(staff, busy)
    late = _approved(staff, "Markt Spätstart")
    stuck = int(staff.engagement(municipality="Dorf Antrag")["id"])  # never approved

    shown = staff.ok(staff.get(f"/api/v1/engagements/{idle}"))
    assert shown["funding_ends_at"] == FUNDING_END.isoformat()
    assert shown["funding_days_left"] == 549
    assert staff.ok(staff.get(f"/api/v1/engagements/{stuck}"))["funding_ends_at"] is None

    steps = 0
    while clock.now() < FUNDING_END + timedelta(days=3):
        clock.advance(days=1)
        sweep_all(ctx)
        steps += 1
        if steps == 100:
            assert staff.ok(staff.get(f"/api/v1/engagements/{idle}"))["funding_days_left"] == 449
        if clock.now() < WARN_8W:
            assert _funding(ctx) == {}
        if WARN_8W + timedelta(days=1) < clock.now() < WARN_2W:
            assert _funding(ctx) == {(idle, "8w"): 2, (late, "8w"): 2}
            if clock.now() > WARN_8W + timedelta(days=7):
                _start_measure(staff, late)  # started after the first warning
    assert steps > 540

    assert _funding(ctx) == {(idle, "8w"): 2, (idle, "2w"): 2, (late, "8w"): 2}
    idle_mails = [m for m in outbox(ctx, "funding_warning") if m.engagement_id == idle]
    assert sorted(m.to for m in idle_mails) == sorted(
        ["Anna Schmidt <Geme@example.org>", f"Team der Fokusberatung <{SUPERVISORS[0]}>"] * 2
    )
    contact_8w = next(m for m in idle_mails if ":8w:contact:" in (m.dedupe_key or ""))
    assert "02.09.2027" in contact_8w.subject
    assert "in 55 Tagen" in contact_8w.text  # swept at 09:00 the day after 8 weeks before
    assert "mindestens eine Maßnahme" in contact_8w.text

    # the never-approved engagement escalated weekly for the whole walk, once a week
    stuck_escalations = [m for m in outbox(ctx, "escalation") if m.engagement_id == stuck]
    weeks = (clock.now() - APPLICATION_DUE) // timedelta(weeks=1) + 1
    assert len(stuck_escalations) == weeks
    assert kinds(ctx)["reminder"] >= 4  # every engagement was reminded of its first stage
    keys = [m.dedupe_key for m in outbox(ctx)]
    assert len(keys) == len(set(keys))


def test_a_funding_warning_missed_during_downtime_is_sent_once(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    idle = _approved(staff, "Gemeinde Ohnetat")
    clock.set(WARN_2W + timedelta(days=2))  # down over both warning times
    sweep_all(ctx)
    sweep_all(ctx)
    assert _funding(ctx) == {(idle, "2w"): 2}  # the latest one only, once
    clock.set(FUNDING_END + timedelta(days=10))
    sweep_all(ctx)
    assert _funding(ctx) == {(idle, "2w"): 2}


def test_a_final_state_stops_funding_warnings(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    idle = _approved(staff, "Gemeinde Ohnetat")
    staff.ok(staff.fire(idle, "withdraw"))
    clock.set(WARN_2W + timedelta(days=1))
    sweep_all(ctx)
    assert _funding(ctx) == {}
