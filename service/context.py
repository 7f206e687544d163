"""What every use case needs, built once per process: settings, database, clock, process,
and the two signals between request handlers, sweeps and the sweeper (`mail_wakeup`,
`stopping`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from service.clock import Clock, SystemClock
from service.db import Database
from service.settings import Settings
from workflows.definition import Process
from workflows.engine import Engine
from workflows.fokusberatung import FOKUSBERATUNG


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    process: Process = FOKUSBERATUNG
    # set by mail_queued(); the dispatcher loop (service/scheduling.py) waits on it
    mail_wakeup: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    # set while the sweeper stops: long sweeps return early, the rest is due next start
    stopping: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def mail_queued(self) -> None:
        """Called after a commit that queued mail, so the dispatcher runs now instead of
        at its next interval. It only sets an event: it never waits and never touches
        the scheduler, so it is safe from any thread, inside a sweep and during shutdown
        (issue 9: a call back into APScheduler deadlocked with its shutdown). Without a
        dispatcher in this process (`--no-scheduler`) nobody waits and nothing happens."""
        self.mail_wakeup.set()

    @cached_property
    def engine(self) -> Engine:
        return Engine(self.process)

    @cached_property
    def secret_key(self) -> str:
        return self.settings.resolved_secret_key()

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Context:
        return cls(
            settings=settings, db=Database(settings.database_url), clock=clock or SystemClock()
        )
