"""Applies triggers of a process to engagement snapshots.

One `transitions.Machine` is built per process definition and shared by every
engagement: the machine is fired on a plain snapshot object, never attached to a
database row (transitions#146: a machine per model costs >1 GB per 1 000 models).
Guards are evaluated by name first, because a failed `transitions` condition only
returns False and a refused request must be told why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

from workflows.definition import Guard, Process, Step

logging.getLogger("transitions").setLevel(logging.WARNING)


@dataclass
class Facts(Mapping[str, Any]):
    """A plain snapshot of one engagement: its state and the named facts its guards
    read. The only thing the machine ever touches (it sets `state`)."""

    state: str
    named: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.named[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.named)

    def __len__(self) -> int:
        return len(self.named)

    def moved_to(self, state: str) -> Facts:
        return Facts(state=state, named=self.named)


@dataclass(frozen=True)
class Refusal:
    """Why a trigger may not fire now; `reason` in English for API clients, the failed
    guards carry their German and English reasons for people."""

    reason: str
    failed_guards: tuple[Guard, ...] = ()
    wrong_state: bool = False

    def reason_in(self, language: str) -> str:
        if self.failed_guards:
            return " ".join(g.reason(language) for g in self.failed_guards)
        return self.reason


@dataclass(frozen=True)
class Outcome:
    step: Step
    from_state: str
    to_state: str


class UnknownTrigger(ValueError):
    pass


class TriggerRefused(Exception):
    def __init__(self, refusal: Refusal, allowed: list[str]) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal
        self.allowed = allowed


@dataclass
class Engine:
    process: Process
    _machine: Machine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        transitions: list[dict[str, Any]] = []
        for step in self.process.steps:
            transitions.append(
                {
                    "trigger": step.trigger,
                    "source": list(step.source),
                    "dest": step.dest,
                    "conditions": [_condition(g) for g in step.guards],
                }
            )
        self._machine = Machine(
            model=[],
            states=self.process.state_names,
            transitions=transitions,
            initial=self.process.initial,
            send_event=True,
            auto_transitions=False,
        )

    def refusal(self, facts: Facts, trigger: str) -> Refusal | None:
        """None if `trigger` would succeed on `facts`, else the reason it would not."""
        if trigger not in self.process.triggers:
            raise UnknownTrigger(trigger)
        stage = self.process.stage(facts.state)
        if stage.final:
            return Refusal(
                f"'{trigger}' is not possible: the engagement is {facts.state}, "
                "a final state that nothing leaves",
                wrong_state=True,
            )
        steps = [s for s in self.process.steps_from(facts.state) if s.trigger == trigger]
        if not steps:
            sources = sorted(
                {src for s in self.process.steps if s.trigger == trigger for src in s.source}
            )
            return Refusal(
                f"'{trigger}' is not possible in state {facts.state}; "
                f"it applies only in: {', '.join(sources)}",
                wrong_state=True,
            )
        failed = tuple(g for g in steps[0].guards if not g.holds(facts))
        if steps[0].needs_reason and not steps[0].reason_guard.holds(facts):
            failed += (steps[0].reason_guard,)
        if failed:
            return Refusal(
                f"'{trigger}' refused: " + "; ".join(g.reason_en for g in failed),
                failed_guards=failed,
            )
        return None

    def allowed_triggers(self, facts: Facts) -> list[str]:
        return [
            step.trigger
            for step in self.process.steps_from(facts.state)
            if all(g.holds(facts) for g in step.guards)
        ]

    def fire(self, facts: Facts, trigger: str) -> Outcome:
        """Moves `facts.state` along `trigger` or raises `TriggerRefused`/`UnknownTrigger`."""
        refusal = self.refusal(facts, trigger)
        if refusal is not None:
            raise TriggerRefused(refusal, self.allowed_triggers(facts))
        from_state = facts.state
        step = next(s for s in self.process.steps_from(from_state) if s.trigger == trigger)
        fired = self._machine.events[trigger].trigger(facts)
        if not fired:  # a guard changed its mind between the check and the fire
            raise TriggerRefused(
                Refusal(f"'{trigger}' refused by its guards"), self.allowed_triggers(facts)
            )
        return Outcome(step=step, from_state=from_state, to_state=facts.state)


def _condition(guard: Guard) -> Any:
    def condition(event: Any) -> bool:
        return guard.holds(event.model)

    return condition
