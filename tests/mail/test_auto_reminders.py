"""The automatic RSVP reminder (issue 15): FOKUS_RSVP_REMINDER_WORKING_DAYS (3) working
days before the workshop, at 08:00, the sweep reminds exactly the invitees who have not
answered, once: a second sweep, a second replica or a manual reminder the same day adds
nothing. Clock moved, no sleeping; mail received by the real SMTP sink."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from email.message import EmailMessage

from service.core.clock import MovableClock
from service.core.context import Context
from service.workshops.jobs import sweep_rsvp_reminders
from tests.conftest import BERLIN
from tests.mail.conftest import Send, rsvp_path, setup_workshop
from tests.support import Api, SmtpSink


def _to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


def _invite(staff: Api, send: Send, smtp_sink: SmtpSink, wid: int, people: int) -> dict[str, str]:
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202) == {"queued": people}
    send()
    return {_to(m): rsvp_path(m) for m in smtp_sink.wait_for(people)}


def test_the_sweep_reminds_exactly_the_pending_invitees_once(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context, clock: MovableClock
) -> None:
    # the workshop is on Tuesday 10 March 2026; three working days before is Thursday 5th
    eid, _pids, wid = setup_workshop(staff, people=3)
    links = _invite(staff, send, smtp_sink, wid, 3)
    answered = staff.client.post(links[f"person0.{eid}@example.org"], json={"response": "declined"})
    assert answered.status_code == 200

    clock.set(datetime(2026, 3, 5, 7, 59, tzinfo=BERLIN))
    assert sweep_rsvp_reminders(ctx).queued == 0
    assert send().sent == 0

    clock.set(datetime(2026, 3, 5, 8, 0, tzinfo=BERLIN))
    assert sweep_rsvp_reminders(ctx).queued == 2
    send()
    reminders = smtp_sink.wait_for(5)[3:]
    assert sorted(_to(m) for m in reminders) == [
        f"person1.{eid}@example.org",
        f"person2.{eid}@example.org",
    ]
    assert all(str(m["Subject"]).startswith("Erinnerung:") for m in reminders)
    assert {rsvp_path(m) for m in reminders} == {
        links[f"person1.{eid}@example.org"],
        links[f"person2.{eid}@example.org"],
    }

    # once: again the same day, by hand the same day, and the next days: nothing more
    clock.advance(timedelta(hours=3))
    assert sweep_rsvp_reminders(ctx).queued == 0
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/reminders")) == {"reminded": 0}
    clock.advance(timedelta(days=1))
    assert sweep_rsvp_reminders(ctx).queued == 0
    assert send().sent == 0
    assert len(smtp_sink.messages) == 5


def test_a_manual_reminder_that_morning_is_not_repeated_by_the_sweep(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context, clock: MovableClock
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=2)
    _invite(staff, send, smtp_sink, wid, 2)
    clock.set(datetime(2026, 3, 5, 7, 30, tzinfo=BERLIN))
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/reminders")) == {"reminded": 2}
    clock.set(datetime(2026, 3, 5, 8, 0, tzinfo=BERLIN))
    assert sweep_rsvp_reminders(ctx).queued == 0
    send()
    assert len(smtp_sink.wait_for(4)) == 4
    assert send().sent == 0


def test_two_replicas_sweeping_at_once_remind_each_person_once(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context, clock: MovableClock
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=3)
    _invite(staff, send, smtp_sink, wid, 3)
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=BERLIN))
    barrier = threading.Barrier(2)
    queued: list[int] = []

    def replica() -> None:
        barrier.wait()
        queued.append(sweep_rsvp_reminders(ctx).queued)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(queued) == [0, 3]
    send()
    assert len(smtp_sink.wait_for(6)) == 6
    assert send().sent == 0


def test_moving_the_workshop_schedules_the_reminder_anew_and_a_cancelled_one_gets_none(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context, clock: MovableClock
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=1)
    _invite(staff, send, smtp_sink, wid, 1)
    other = setup_workshop(staff, people=1)[2]
    staff.ok(staff.post(f"/api/v1/workshops/{other}/invitations"), 202)
    staff.ok(staff.post(f"/api/v1/workshops/{other}/cancel"))
    # moved a week later: Tuesday 17 March, reminded Thursday 12 March, not 5 March
    moved = {"starts_at": "2026-03-17T17:00:00", "ends_at": "2026-03-17T20:00:00"}
    staff.ok(staff.patch(f"/api/v1/workshops/{wid}", json=moved))
    send()  # the update
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=BERLIN))
    assert sweep_rsvp_reminders(ctx).queued == 0
    clock.set(datetime(2026, 3, 12, 8, 0, tzinfo=BERLIN))
    assert sweep_rsvp_reminders(ctx).queued == 1  # the moved one; the cancelled one none


def test_the_working_days_are_the_federal_states(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context, clock: MovableClock
) -> None:
    # Thursday 4 June 2026 is Fronleichnam in Bavaria, not in Berlin: for a workshop on
    # Monday 8 June, three working days before is Tuesday 2 June in Bavaria and
    # Wednesday 3 June in Berlin
    when = {"starts_at": "2026-06-08T17:00:00", "ends_at": "2026-06-08T20:00:00"}
    bavaria = setup_workshop(staff, people=1, **when)[2]
    berlin_eid = staff.engagement(federal_state="BE")["id"]
    staff.participant(berlin_eid, email="berlin@example.org")
    berlin = staff.workshop(berlin_eid, **when)["id"]
    for wid in (bavaria, berlin):
        staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    send()
    smtp_sink.wait_for(2)
    clock.set(datetime(2026, 6, 2, 8, 0, tzinfo=BERLIN))
    assert sweep_rsvp_reminders(ctx).queued == 1
    send()
    assert _to(smtp_sink.wait_for(3)[2]) != "berlin@example.org"
    clock.set(datetime(2026, 6, 3, 8, 0, tzinfo=BERLIN))
    assert sweep_rsvp_reminders(ctx).queued == 1
    send()
    assert _to(smtp_sink.wait_for(4)[3]) == "berlin@example.org"
