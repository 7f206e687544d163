"""What every use case needs, built once per process: settings, database, clock, process."""

from __future__ import annotations

from collections.abc import Callable
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
    # called after a commit that queued mail, so the dispatcher can run early
    mail_queued: Callable[[], None] = lambda: None

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
