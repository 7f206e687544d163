"""The vocabulary a process definition is written in.

Kept separate from the Fokusberatung process itself so that the process file reads
like a table a programme officer could review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Snapshot(Protocol):
    """What guards may look at: plain facts about one engagement, loaded by the service."""

    state: str
    participant_count: int
    ended_workshop_count: int
    measure_count: int
    started_measure_count: int


@dataclass(frozen=True)
class Guard:
    """A named precondition of a trigger; `reason` is what a refused request is told."""

    name: str
    reason: str
    check: Callable[[Snapshot], bool]


@dataclass(frozen=True)
class Stage:
    name: str
    label_de: str
    label_en: str
    deadline_working_days: int | None = None
    final: bool = False


@dataclass(frozen=True)
class Step:
    """One row of the process table: from `source`, `trigger` leads to `dest` if all guards hold."""

    trigger: str
    source: tuple[str, ...]
    dest: str
    guards: tuple[Guard, ...] = ()
    label_de: str = ""
    label_en: str = ""
    starts_funding: bool = False


@dataclass(frozen=True)
class Process:
    name: str
    initial: str
    stages: tuple[Stage, ...]
    steps: tuple[Step, ...]
    _by_name: dict[str, Stage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.stages})
        names = set(self._by_name)
        if self.initial not in names:
            raise ValueError(f"initial stage {self.initial!r} is not a stage")
        for step in self.steps:
            for src in (*step.source, step.dest):
                if src not in names:
                    raise ValueError(f"step {step.trigger!r} names unknown stage {src!r}")
            if any(self._by_name[s].final for s in step.source):
                raise ValueError(f"step {step.trigger!r} leaves a final stage")

    def stage(self, name: str) -> Stage:
        return self._by_name[name]

    @property
    def state_names(self) -> list[str]:
        return [s.name for s in self.stages]

    @property
    def final_states(self) -> list[str]:
        return [s.name for s in self.stages if s.final]

    @property
    def active_states(self) -> list[str]:
        return [s.name for s in self.stages if not s.final]

    @property
    def triggers(self) -> list[str]:
        seen: dict[str, None] = {}
        for step in self.steps:
            seen.setdefault(step.trigger, None)
        return list(seen)

    def steps_from(self, state: str) -> list[Step]:
        return [step for step in self.steps if state in step.source]
