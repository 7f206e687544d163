"""What a sweep is: a named, idempotent job over the database, run at an interval."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from service.core.context import Context


@dataclass(frozen=True)
class Sweep:
    name: str
    run: Callable[[Context], object]
    # seconds between runs; None: FOKUS_SCHEDULER_INTERVAL_SECONDS
    interval: float | None = None
    # an event that runs the sweep early (the dispatcher: `ctx.mail_wakeup`). Such a sweep
    # runs in its own loop thread that waits on the event with the interval as timeout,
    # so whoever wakes it only sets an event and never calls into the scheduler.
    wakeup: Callable[[Context], threading.Event] | None = None
