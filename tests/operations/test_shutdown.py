"""Graceful shutdown: a stopping process hands back the mail it claimed but did not send,
so another replica sends it at once instead of after the lease; and stopping never waits
for a job that itself waits for the scheduler (issue 9: a hang on SIGTERM)."""

from __future__ import annotations

import threading
import time

import pytest
from apscheduler.schedulers.base import STATE_STOPPED
from sqlalchemy import select
from sqlmodel import col

from service.context import Context
from service.mail.dispatch import claim, worker_id
from service.mail.jobs import SWEEPS as MAIL_SWEEPS
from service.mail.models import OutboxMessage
from service.scheduling import Sweeper
from service.sweep import Sweep
from tests.support import Api, wait_until


def _claims(ctx: Context) -> list[tuple[str | None, str]]:
    with ctx.db.read() as session:
        return [
            (row.claimed_by, row.status)
            for row in session.execute(
                select(OutboxMessage).order_by(col(OutboxMessage.id))
            ).scalars()
        ]


def test_stopping_the_sweeper_releases_this_process_claims_only(staff: Api, ctx: Context) -> None:
    for n in range(3):
        eid = staff.engagement(municipality=f"Gemeinde {n}")["id"]
        staff.participant(eid)
        staff.ok(staff.fire(eid, "approve"))
    mine = claim(ctx, worker=worker_id(), limit=2)
    other = claim(ctx, worker="another-replica-1", limit=10)
    assert len(mine) == 2 and len(other) >= 1

    sweeper = Sweeper(ctx)
    sweeper.start(paused=True)  # running, but no sweep runs: only the claims above exist
    sweeper.stop()

    claims = _claims(ctx)
    assert worker_id() not in {by for by, _status in claims}
    assert sum(1 for by, _ in claims if by == "another-replica-1") == len(other)
    assert sum(1 for by, _ in claims if by is None) == 2
    assert not sweeper.scheduler.running
    # released mail is claimable again at once, by anyone
    assert len(claim(ctx, worker="a-third-replica", limit=10)) == 2


def _shutdown_holds_the_job_store_lock(sweeper: Sweeper) -> bool:
    """True once `shutdown(wait=True)` has begun and holds the job-store lock while it
    waits for the running jobs: the moment in which the old nudge (`get_job`) hung."""
    scheduler = sweeper.scheduler
    if scheduler.state != STATE_STOPPED:
        return False
    lock = scheduler._jobstores_lock  # type: ignore[attr-defined]
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


@pytest.mark.parametrize("attempt", range(3))
def test_stopping_while_a_running_sweep_reports_queued_mail_does_not_hang(
    ctx: Context, attempt: int
) -> None:
    """A sweep that queued mail calls `ctx.mail_queued()` when it is done. If that call
    reaches the scheduler while the scheduler is shutting down, the two wait for each
    other for ever; the call must only wake the dispatcher, never touch the scheduler."""
    inside, reported = threading.Event(), threading.Event()
    sweeper = Sweeper(ctx)

    def queues_mail(job_ctx: Context) -> None:
        notify = job_ctx.mail_queued  # the sweep is in its after-commit call ...
        inside.set()
        wait_until(lambda: _shutdown_holds_the_job_store_lock(sweeper), timeout=10, step=0.01)
        notify()  # ... when the shutdown takes the lock and waits for this job
        reported.set()

    sweeper.sweeps = [Sweep("queues_mail", queues_mail), *MAIL_SWEEPS]
    sweeper.start()
    assert inside.wait(10)
    stopper = threading.Thread(target=sweeper.stop, name="stopper", daemon=True)
    started = time.monotonic()
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive(), "Sweeper.stop() hangs while a sweep reports queued mail"
    assert reported.is_set()
    assert time.monotonic() - started < 10
    assert not sweeper.scheduler.running
