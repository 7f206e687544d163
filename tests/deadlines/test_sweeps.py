"""Must show 2: the clock moves across a stage deadline and the outbox holds exactly one
reminder before it, exactly one escalation after it, a weekly repeat, and nothing more
once the stage has moved on; the same with the scheduler restarted in between."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from service.core.clock import MovableClock
from service.core.context import Context
from service.engagements.jobs import SWEEPS
from service.engagements.reminders import next_escalation, sweep_all
from tests.conftest import BERLIN
from tests.deadlines.conftest import SUPERVISORS, kinds, outbox
from tests.support import Api

# created Monday 2 March 2026, 09:00 in BY: the application deadline (20 working days)
# is Monday 30 March, 23:59:59; the reminder (5 working days before) Monday 23 March
DUE = datetime(2026, 3, 30, 23, 59, 59, tzinfo=BERLIN)
REMINDER = datetime(2026, 3, 23, 8, 0, tzinfo=BERLIN)


def _walk(clock: MovableClock, until: datetime, sweep: Callable[[], object]) -> None:
    """Moves the clock in steps of at most 6 hours to `until`, sweeping at every step."""
    while clock.now() < until:
        clock.set(min(clock.now() + timedelta(hours=6), until))
        sweep()


def _restarting_sweeper(ctx: Context) -> Callable[[], object]:
    """Every call is a new process: a new Context (engine, pool) over the same database
    and the same registered jobs; nothing of the previous run survives but the rows."""

    def run() -> None:
        fresh = Context.from_settings(ctx.settings, clock=ctx.clock)
        try:
            for sweep in SWEEPS:
                sweep.run(fresh)
        finally:
            fresh.db.dispose()

    return run


@pytest.mark.parametrize("mode", ["one_process", "restart_every_step"])
def test_one_reminder_one_escalation_weekly_repeat_then_silence(
    staff: Api, ctx: Context, clock: MovableClock, mode: str
) -> None:
    sweep = (lambda: sweep_all(ctx)) if mode == "one_process" else _restarting_sweeper(ctx)
    eng = staff.engagement()
    eid = eng["id"]
    assert eng["stage_due_at"] == DUE.isoformat()

    _walk(clock, REMINDER - timedelta(hours=6), sweep)
    assert kinds(ctx) == {}
    _walk(clock, REMINDER + timedelta(hours=6), sweep)
    assert kinds(ctx) == {"reminder": 1}
    reminder = outbox(ctx, "reminder")[0]
    assert reminder.to == "Anna Schmidt <anna.schmidt@example.org>"
    assert reminder.engagement_id == eid
    assert "30.03.2026" in reminder.subject
    assert "Guten Tag Anna Schmidt" in reminder.text
    assert "Datenschutz" in reminder.text and "Datenschutz" in reminder.html

    _walk(clock, DUE - timedelta(hours=1), sweep)
    assert kinds(ctx) == {"reminder": 1}
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["overdue"] is False
    _walk(clock, DUE + timedelta(hours=6), sweep)
    assert kinds(ctx) == {"reminder": 1, "escalation": 1}
    escalation = outbox(ctx, "escalation")[0]
    assert escalation.to == SUPERVISORS[0]
    assert "Gemeinde Beispielstadt" in escalation.subject
    assert staff.ok(staff.get(f"/api/v1/engagements/{eid}"))["overdue"] is True
    for _ in range(3):  # sweeping again changes nothing
        sweep()
    assert kinds(ctx) == {"reminder": 1, "escalation": 1}

    _walk(clock, DUE + timedelta(days=7) - timedelta(hours=1), sweep)
    assert kinds(ctx) == {"reminder": 1, "escalation": 1}
    _walk(clock, DUE + timedelta(days=7, hours=6), sweep)
    assert kinds(ctx) == {"reminder": 1, "escalation": 2}
    assert "2. Hinweis" in outbox(ctx, "escalation")[1].subject

    staff.ok(staff.fire(eid, "approve"))  # the stage moves on: no more escalations for it
    _walk(clock, DUE + timedelta(days=21), sweep)
    assert kinds(ctx) == {"reminder": 1, "escalation": 2}
    keys = [m.dedupe_key for m in outbox(ctx) if m.kind in ("reminder", "escalation")]
    assert len(set(keys)) == len(keys)


def test_a_moved_deadline_is_reminded_of_and_escalated_again(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    eid = staff.engagement()["id"]
    _walk(clock, REMINDER + timedelta(hours=6), lambda: sweep_all(ctx))
    assert kinds(ctx) == {"reminder": 1}

    # moved to Saturday 18 April: § 193 BGB makes it Monday 20 April, end of day
    moved = staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}/deadline",
            json={"due_at": "2026-04-18T12:00:00", "reason": "Gemeinderat tagt erst im April"},
        )
    )
    assert moved["stage_due_at"] == "2026-04-20T23:59:59+02:00"
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    assert (history[-1]["kind"], history[-1]["action"]) == ("change", "deadline")
    assert history[-1]["note"] == "Gemeinderat tagt erst im April"
    assert history[-1]["summary_de"].endswith("auf 20.04.2026: Gemeinderat tagt erst im April")

    _walk(clock, datetime(2026, 4, 13, 8, 0, tzinfo=BERLIN), lambda: sweep_all(ctx))
    assert kinds(ctx) == {"reminder": 2}  # 5 working days before 20 April: Mon 13 April
    assert "20.04.2026" in outbox(ctx, "reminder")[1].subject

    # moved into the reminder window: reminded of at once, once
    staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}/deadline",
            json={"due_at": "2026-04-16", "reason": "vorgezogen"},
        )
    )
    sweep_all(ctx)
    sweep_all(ctx)
    assert kinds(ctx) == {"reminder": 3}

    _walk(clock, datetime(2026, 4, 17, 6, 0, tzinfo=BERLIN), lambda: sweep_all(ctx))
    assert kinds(ctx) == {"reminder": 3, "escalation": 1}
    # moved again, missed again: escalates again (a new missed deadline)
    staff.ok(
        staff.patch(
            f"/api/v1/engagements/{eid}/deadline",
            json={"due_at": "2026-04-17", "reason": "noch ein Tag"},
        )
    )
    _walk(clock, datetime(2026, 4, 18, 6, 0, tzinfo=BERLIN), lambda: sweep_all(ctx))
    assert kinds(ctx)["escalation"] == 2


def test_down_over_the_deadline_catches_up_once_on_start(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    """Nobody sweeps from before the reminder until three weeks after the deadline."""
    staff.engagement()
    clock.set(DUE + timedelta(days=21, hours=10))
    for _ in range(3):
        _restarting_sweeper(ctx)()
    # one escalation, not one per missed week; no reminder for a deadline already past
    assert kinds(ctx) == {"escalation": 1}
    # the weekly rhythm continues from the deadline, not from the catch-up
    _walk(clock, DUE + timedelta(days=28, hours=6), _restarting_sweeper(ctx))
    assert kinds(ctx) == {"escalation": 2}


def test_the_real_scheduler_catches_up_on_start_and_a_restart_sends_nothing_again(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

    from service.scheduling import Sweeper
    from tests.support import wait_until

    staff.engagement()
    clock.set(DUE + timedelta(days=1))
    for _ in range(2):  # start, catch up, stop; then the same again
        fresh = Context.from_settings(ctx.settings, clock=clock)
        sweeper = Sweeper(fresh)
        sweeper.sweeps = list(SWEEPS)  # only ours: the dispatcher is tested elsewhere
        finished: set[str] = set()

        def record(event: JobExecutionEvent, finished: set[str] = finished) -> None:
            finished.add(event.job_id)

        def ran_all(finished: set[str] = finished) -> bool:
            return finished >= {s.name for s in SWEEPS}

        sweeper.scheduler.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        sweeper.start()
        try:
            wait_until(ran_all)  # each sweep ran to its end once (a stop cuts one short)
        finally:
            sweeper.stop()
            fresh.db.dispose()
        assert kinds(ctx) == {"escalation": 1}


@pytest.mark.parametrize(
    ("scheduled", "now", "expected"),
    [
        (datetime(2026, 3, 30, 22), datetime(2026, 3, 31, 9), datetime(2026, 4, 6, 22)),
        (datetime(2026, 3, 30, 22), datetime(2026, 4, 6, 22), datetime(2026, 4, 13, 22)),
        (datetime(2026, 3, 30, 22), datetime(2026, 4, 21, 9), datetime(2026, 4, 27, 22)),
        (datetime(2026, 4, 30, 22), datetime(2026, 4, 21, 9), datetime(2026, 4, 30, 22)),
    ],
)
def test_next_escalation_keeps_the_weekly_rhythm(
    scheduled: datetime, now: datetime, expected: datetime
) -> None:
    assert next_escalation(scheduled, now) == expected


@pytest.mark.parametrize("settings_overrides", [{"supervisor_emails": []}])
def test_without_supervisors_nothing_is_queued_and_nothing_breaks(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    staff.engagement()
    _walk(clock, DUE + timedelta(days=8), lambda: sweep_all(ctx))
    assert kinds(ctx) == {"reminder": 1}
