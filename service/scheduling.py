"""APScheduler 3 runs the sweeps: in-memory interval jobs only, because the truth (what
is due, who claimed it) lives in the database and several processes may sweep at once
(ARCHITECTURE rule 3). Each feature lists its sweeps in its own jobs.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from service.context import Context
from service.engagements.jobs import SWEEPS as ENGAGEMENT_SWEEPS
from service.mail.jobs import SWEEPS as MAIL_SWEEPS
from service.sweep import Sweep

log = logging.getLogger("fokus.scheduler")
logging.getLogger("apscheduler").setLevel(logging.WARNING)


def all_sweeps() -> list[Sweep]:
    return [*MAIL_SWEEPS, *ENGAGEMENT_SWEEPS]


def run_guarded(sweep: Sweep, ctx: Context) -> None:
    """A failing sweep is logged and retried next interval; it never kills the scheduler."""
    try:
        sweep.run(ctx)
    except Exception:
        log.exception("sweep %s failed", sweep.name)


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
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
