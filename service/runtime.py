"""The app as `fokus serve` runs it: create_app plus the scheduler in its lifespan.

`fokus serve --workers N` (PostgreSQL only) has uvicorn spawn N worker processes, each
of which calls `worker_app()`: a replica of its own, with its own connection pool and,
unless `--no-scheduler`, its own sweeps. Every sweep claims its rows (`FOR UPDATE SKIP
LOCKED`, claimed mail with a lease), which is what makes two `fokus serve` replicas on one
database send each mail once (tests/replicas); N workers are N such replicas. Each worker
keeps its in-process wake-up of the mail dispatcher, so a mail queued by a request in any
worker leaves at once from that worker, not at the next interval of a single scheduler.
"""

from __future__ import annotations

import gc
import logging
import os

from fastapi import FastAPI

from service.app import create_app
from service.core.context import Context
from service.scheduling import Sweeper

log = logging.getLogger("fokus")


def build_app(ctx: Context, *, scheduler: bool = True) -> FastAPI:
    sweeper = Sweeper(ctx) if scheduler else None

    def start(_app: FastAPI) -> None:
        # everything loaded so far lives as long as the process: keep it out of the
        # cyclic GC's full collections, which otherwise show up as latency spikes
        gc.collect()
        gc.freeze()
        if sweeper is not None:
            sweeper.start()

    def stop(_app: FastAPI) -> None:
        """After uvicorn finished the open requests (SIGTERM): stop the sweeps, letting a
        running one finish, and hand this process's claimed, unsent mail back."""
        if sweeper is not None:
            sweeper.stop()
        ctx.db.dispose()
        log.info("fokus stopped cleanly")

    return create_app(ctx, on_start=[start], on_stop=[stop])


# set by `fokus serve --workers N` for the workers it spawns (they read the environment)
WORKER_SCHEDULER = "FOKUS_WORKER_SCHEDULER"


def worker_app() -> FastAPI:
    """The app of one of `fokus serve --workers N`'s worker processes (a uvicorn
    factory): settings from the environment, as the parent read them; the parent has
    migrated the database already."""
    from service.core.settings import load_settings
    from service.observability.logs import setup_logging

    settings = load_settings()
    setup_logging(settings.log_format)
    ctx = Context.from_settings(settings)
    return build_app(ctx, scheduler=os.environ.get(WORKER_SCHEDULER, "1") == "1")
