"""What a sweep is: a named, idempotent job over the database, run at an interval."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.context import Context


@dataclass(frozen=True)
class Sweep:
    name: str
    run: Callable[[Context], object]
    # seconds between runs; None: FOKUS_SCHEDULER_INTERVAL_SECONDS
    interval: float | None = None
