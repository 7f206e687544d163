"""The app as `fokus serve` runs it: create_app plus the scheduler in its lifespan."""

from __future__ import annotations

import gc
import logging

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
