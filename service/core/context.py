"""What every use case needs, built once per process: settings, database, clock, the
registry of processes (each engagement runs on its own process version), and the two
signals between request handlers, sweeps and the sweeper (`mail_wakeup`, `stopping`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from service.core.clock import Clock, SystemClock
from service.core.db import Database
from service.core.settings import Settings
from workflows.definition import Process
from workflows.engine import Engine
from workflows.registry import Registry, default_registry

# (fact name, ((process, version), …) that read it), …
FactPlan = tuple[tuple[str, tuple[tuple[str, int], ...]], ...]


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    registry: Registry = field(default_factory=default_registry)
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

    def __post_init__(self) -> None:
        if not self.registry.knows(self.settings.default_process):
            raise ValueError(
                f"FOKUS_DEFAULT_PROCESS: unknown process {self.settings.default_process!r}; "
                f"known: {', '.join(self.registry.names())}"
            )

    @property
    def process(self) -> Process:
        """The latest version of the default process (`GET /api/v1/workflow`, new
        engagements that name none)."""
        return self.registry.latest(self.settings.default_process)

    def process_of(self, name: str, version: int) -> Process:
        return self.registry.get(name, version)

    def engine_of(self, name: str, version: int) -> Engine:
        return self.registry.engine(name, version)

    @cached_property
    def fact_plan(self) -> FactPlan:
        """Every fact a registered process loads, each with the process versions that
        read it: an engagement is loaded with all of them in one query, and a fact that
        its own process version does not read is not computed (SQL CASE)."""
        readers: dict[str, set[tuple[str, int]]] = {}
        for process in self.registry.all():
            for name in process.loaded_facts:
                readers.setdefault(name, set()).add((process.name, process.version))
        return tuple((name, tuple(sorted(readers[name]))) for name in sorted(readers))

    @cached_property
    def secret_key(self) -> str:
        return self.settings.resolved_secret_key()

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Clock | None = None, registry: Registry | None = None
    ) -> Context:
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            clock=clock or SystemClock(),
            registry=registry or default_registry(),
        )
