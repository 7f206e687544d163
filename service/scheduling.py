"""The sweeps of a process: APScheduler 3 runs the deadline sweeps as in-memory interval
jobs (the truth, what is due and who claimed it, lives in the database, and several
processes may sweep at once: ARCHITECTURE rule 3); the mail dispatcher runs in a loop
thread of its own that waits on `ctx.mail_wakeup` with the interval as timeout. Each
feature lists its sweeps in its own jobs.py.

Nothing that runs inside a job calls back into the scheduler. APScheduler's
`shutdown(wait=True)` holds its job-store lock while it waits for the running jobs, so a
job that asks the scheduler anything at that moment (the old "run the dispatcher now"
nudge did, through `get_job`) waits for the shutdown that waits for it: SIGTERM hung
(issue 9). Waking the dispatcher is now setting an event."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from service.core.context import Context
from service.core.metrics import SWEEP_DURATION, SWEEP_FAILURES
from service.core.sweep import Sweep
from service.engagements.jobs import SWEEPS as ENGAGEMENT_SWEEPS
from service.mail.dispatch import release_claims
from service.mail.jobs import SWEEPS as MAIL_SWEEPS
from service.milestones.jobs import SWEEPS as MILESTONE_SWEEPS
from service.privacy.jobs import SWEEPS as PRIVACY_SWEEPS
from service.workshops.jobs import SWEEPS as WORKSHOP_SWEEPS

log = logging.getLogger("fokus.scheduler")
logging.getLogger("apscheduler").setLevel(logging.WARNING)


def all_sweeps() -> list[Sweep]:
    return [*MAIL_SWEEPS, *ENGAGEMENT_SWEEPS, *MILESTONE_SWEEPS, *WORKSHOP_SWEEPS, *PRIVACY_SWEEPS]


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


# How long stop() waits for a loop (the dispatcher) that is still handing a message to a
# slow server. Past it the process stops anyway, like a kill: that one message may be
# sent again later, with the same Message-ID. SIGTERM must end a process within 10 s.
LOOP_STOP_SECONDS = 6.0


class Sweeper:
    """Runs every sweep of this process until `stop()`."""

    def __init__(self, ctx: Context, scheduler: BaseScheduler | None = None) -> None:
        self.ctx = ctx
        self.scheduler = scheduler or BackgroundScheduler(timezone=UTC)
        self.sweeps = all_sweeps()
        self.loops: list[threading.Thread] = []

    def start(self, *, paused: bool = False) -> None:
        """Registers the sweeps and runs each at once (catching up after a start), then
        at its interval. `paused`: everything registered, nothing runs (tests)."""
        self.ctx.stopping.clear()
        default = self.ctx.settings.scheduler_interval_seconds
        for sweep in self.sweeps:
            interval = sweep.interval or default
            if sweep.wakeup is not None:
                self.loops.append(
                    threading.Thread(
                        target=self._loop,
                        args=(sweep, sweep.wakeup(self.ctx), interval),
                        name=f"fokus-{sweep.name}",
                        daemon=True,  # never keeps a process alive that is told to end
                    )
                )
                continue
            self.scheduler.add_job(
                run_guarded,
                "interval",
                args=(sweep, self.ctx),
                id=sweep.name,
                seconds=interval,
                next_run_time=datetime.now(UTC),  # catch up at once after a start
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self.scheduler.start(paused=paused)
        if not paused:
            for thread in self.loops:
                thread.start()

    def _loop(self, sweep: Sweep, wakeup: threading.Event, interval: float) -> None:
        """Runs `sweep` at once, then whenever `wakeup` is set, at the latest every
        `interval` seconds, until stop(). The event is cleared before a run, so mail
        queued while a run is sending wakes the next run at once."""
        stopping = self.ctx.stopping
        while not stopping.is_set():
            wakeup.clear()
            run_guarded(sweep, self.ctx)
            # stop() sets `stopping` before it sets `wakeup`: a set that the clear()
            # above swallowed is seen here, any later one ends the wait
            if stopping.is_set():
                break
            wakeup.wait(interval)

    def stop(self) -> None:
        """Graceful and bounded: a running dispatch stops after the message it is
        sending, a running deadline sweep after the engagement in hand (its transaction
        commits or rolls back; the rest is due again at the next start), then this
        process's unsent claimed mail is handed back at once instead of after its lease."""
        if not self.scheduler.running:
            return
        self.ctx.stopping.set()
        for sweep in self.sweeps:
            if sweep.wakeup is not None:
                sweep.wakeup(self.ctx).set()  # out of its wait between runs
        self.scheduler.shutdown(wait=True)  # no job calls into the scheduler: cannot hang
        deadline = time.monotonic() + LOOP_STOP_SECONDS
        for thread in self.loops:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s still running at shutdown; stopping anyway", thread.name)
        try:
            released = release_claims(self.ctx)
        except Exception:  # the database may be gone; the lease runs out by itself
            log.warning("could not release claimed mail on shutdown", exc_info=True)
            return
        if released:
            log.info("released %d claimed emails on shutdown", released)
