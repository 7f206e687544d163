"""APScheduler 3 runs the sweeps: in-memory interval jobs only, because the truth (what
is due, who claimed it) lives in the database and several processes may sweep at once
(ARCHITECTURE rule 3). Each feature lists its sweeps in its own jobs.py."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from service.context import Context
from service.engagements.jobs import SWEEPS as ENGAGEMENT_SWEEPS
from service.mail.dispatch import release_claims, stop_dispatching
from service.mail.jobs import SWEEPS as MAIL_SWEEPS
from service.metrics import SWEEP_DURATION, SWEEP_FAILURES
from service.sweep import Sweep

log = logging.getLogger("fokus.scheduler")
logging.getLogger("apscheduler").setLevel(logging.WARNING)


def all_sweeps() -> list[Sweep]:
    return [*MAIL_SWEEPS, *ENGAGEMENT_SWEEPS]


def run_guarded(sweep: Sweep, ctx: Context) -> None:
    """A failing sweep is logged and retried next interval; it never kills the scheduler."""
    started = time.perf_counter()
    try:
        sweep.run(ctx)
    except Exception:
        SWEEP_FAILURES.labels(sweep=sweep.name).inc()
        log.exception("sweep %s failed", sweep.name, extra={"sweep": sweep.name})
    finally:
        SWEEP_DURATION.labels(sweep=sweep.name).observe(time.perf_counter() - started)


class Sweeper:
    def __init__(self, ctx: Context, scheduler: BaseScheduler | None = None) -> None:
        self.ctx = ctx
        self.scheduler = scheduler or BackgroundScheduler(timezone=UTC)
        self.sweeps = all_sweeps()

    def start(self, *, paused: bool = False) -> None:
        default = self.ctx.settings.scheduler_interval_seconds
        for sweep in self.sweeps:
            self.scheduler.add_job(
                run_guarded,
                "interval",
                args=(sweep, self.ctx),
                id=sweep.name,
                seconds=sweep.interval or default,
                next_run_time=datetime.now(UTC),  # catch up at once after a start
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self.ctx.mail_queued = self.nudge_mail
        self.scheduler.start(paused=paused)

    def nudge_mail(self) -> None:
        """Runs the mail dispatcher soon after a commit that queued mail."""
        try:
            job = self.scheduler.get_job("dispatch_mail")
            if job is not None:
                job.modify(next_run_time=datetime.now(UTC))
        except Exception:  # the scheduler may be shutting down
            log.debug("could not nudge the dispatcher", exc_info=True)

    def stop(self) -> None:
        """Graceful: a running dispatch stops after the message it is sending, running
        sweeps finish (their transactions commit or roll back), then this process's
        unsent claimed mail is handed back at once instead of after its lease."""
        if not self.scheduler.running:
            return
        self.ctx.mail_queued = lambda: None
        stop_dispatching()
        self.scheduler.shutdown(wait=True)
        try:
            released = release_claims(self.ctx)
        except Exception:  # the database may be gone; the lease runs out by itself
            log.warning("could not release claimed mail on shutdown", exc_info=True)
            return
        if released:
            log.info("released %d claimed emails on shutdown", released)
