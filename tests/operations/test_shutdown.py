"""Graceful shutdown: a stopping process hands back the mail it claimed but did not send,
so another replica sends it at once instead of after the lease; and stopping never waits
for a job that itself waits for the scheduler (issue 9: a hang on SIGTERM)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from apscheduler.schedulers.base import STATE_STOPPED
from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.core.sweep import Sweep
from service.mail.dispatch import claim, worker_id
from service.mail.jobs import SWEEPS as MAIL_SWEEPS
from service.mail.models import OutboxMessage
from service.scheduling import LOOP_STOP_SECONDS, Sweeper
from tests.support import Api, free_port, wait_until


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
    lock = scheduler._jobstores_lock
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


class _StalledServer:
    """An SMTP handler that accepts the connection and then never answers DATA."""

    def __init__(self) -> None:
        self.in_data = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, _server: Any, _session: Any, _envelope: Any) -> str:
        self.in_data.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        return "250 OK"


@pytest.mark.sqlite_only
def test_a_mail_server_that_stalls_does_not_hold_up_the_stop(staff: Api, ctx: Context) -> None:
    """The dispatcher is handing a message to a server that does not answer (the SMTP
    timeout is 30 s): stop() waits a bounded time, then hands the claims back, so that
    SIGTERM still ends the process within 10 s. That message may go out once more."""
    eid = staff.engagement()["id"]
    staff.participant(eid)
    staff.ok(staff.fire(eid, "approve"))  # queues a stage notice
    server = _StalledServer()
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    stalled = Context.from_settings(
        ctx.settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"}), clock=ctx.clock
    )
    sweeper = Sweeper(stalled)
    sweeper.sweeps = list(MAIL_SWEEPS)
    try:
        sweeper.start()
        assert server.in_data.wait(10)
        started = time.monotonic()
        sweeper.stop()
        elapsed = time.monotonic() - started
    finally:
        server.release.set()
        controller.stop()
        stalled.db.dispose()
    assert LOOP_STOP_SECONDS - 0.5 < elapsed < LOOP_STOP_SECONDS + 2
    claims = _claims(ctx)
    assert claims and all(by is None for by, status in claims if status == "queued")
