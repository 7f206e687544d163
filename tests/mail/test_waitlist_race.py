"""Two declines at once move two different people up (issue 15), made deterministic: the
first decline's transaction is held open after it promoted someone, the second starts
meanwhile and (on PostgreSQL, seen in pg_stat_activity) waits for the workshop's lock;
only then does the first commit. Without the lock the second would read the waiting
list as it was, promote the same person again, and leave the next one waiting."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlmodel import col

from service.core.clock import MovableClock
from service.core.context import Context
from service.mail.models import OutboxMessage
from service.workshops import capacity
from service.workshops.models import Invitation
from tests.mail.conftest import Send, rsvp_path, setup_workshop
from tests.support import Api, SmtpSink


def _someone_waits_for_a_lock(ctx: Context) -> bool:
    with ctx.db.read() as session:
        query = text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(session.execute(query).scalar_one()) > 0


def _wait_until(condition: object, timeout: float = 20.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the second decline never waited for the lock"
        time.sleep(0.02)


def test_a_decline_waits_for_the_other_and_moves_the_next_person_up(
    staff: Api, send: Send, smtp_sink: SmtpSink, ctx: Context, clock: MovableClock
) -> None:
    eid, _pids, wid = setup_workshop(staff, people=4, capacity=2)
    assert staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202) == {"queued": 4}
    send()
    for message in sorted(smtp_sink.wait_for(4), key=lambda m: m["To"].addresses[0].addr_spec):
        clock.advance(timedelta(minutes=1))
        staff.client.post(rsvp_path(message), json={"response": "accepted"})
    ids = [i["id"] for i in staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"]]
    states = [i["rsvp"] for i in staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"]]
    assert states == ["accepted", "accepted", "waitlisted", "waitlisted"]

    first_done, release = threading.Event(), threading.Event()
    second_started = threading.Event()
    errors: list[BaseException] = []

    def decline(invitation_id: int, hold: bool) -> None:
        try:
            with ctx.db.write() as session:
                if not hold:
                    second_started.set()
                invitation = session.get(Invitation, invitation_id)
                assert invitation is not None
                capacity.answer(session, ctx, invitation, "declined")
                if hold:
                    first_done.set()
                    assert release.wait(30)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
            first_done.set()

    first = threading.Thread(target=decline, args=(ids[0], True))
    first.start()
    assert first_done.wait(30)
    second = threading.Thread(target=decline, args=(ids[1], False))
    second.start()
    if ctx.settings.database_url.startswith("postgresql"):
        assert second_started.wait(30)
        _wait_until(lambda: _someone_waits_for_a_lock(ctx))
    # (SQLite: the second waits for the one writer before its transaction even begins)
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert not errors, errors

    states = [i["rsvp"] for i in staff.ok(staff.get(f"/api/v1/workshops/{wid}"))["invitations"]]
    assert states == ["declined", "declined", "accepted", "accepted"]
    with ctx.db.read() as session:
        promoted = session.execute(
            select(col(OutboxMessage.participant_id), func.count())
            .where(col(OutboxMessage.kind) == "waitlist_promoted")
            .group_by(col(OutboxMessage.participant_id))
        ).all()
    assert len(promoted) == 2 and all(count == 1 for _, count in promoted)
    # each moved up once: the history has one entry per promotion, none twice
    history = staff.ok(staff.get(f"/api/v1/engagements/{eid}/history"))
    moved = [h["subject_id"] for h in history if "nachgerückt" in (h.get("summary_de") or "")]
    assert sorted(moved) == ids[2:]
