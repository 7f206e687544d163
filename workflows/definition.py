"""The vocabulary a process definition is written in.

Kept apart from the processes themselves (`workflows/processes/`) so that a process
module reads like a table a programme officer could review: stages with their labels
and deadlines, steps (from, trigger, to, guards), the mail each step causes and the
milestones anchored to the engagement's dates.

Guards never look at the database: they read **named facts** (`participant_count`,
`measure_count`, …) that the service loads, one loader per fact name. A process says
which facts it reads, so a new guard over an existing fact needs no service change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from workflows import calendar

FactCheck = Callable[[Mapping[str, Any]], bool]

# facts of the request that fires a step, not of the engagement: the service sets them
# (1 or 0) when it fires; they are 0 when it asks which triggers are allowed now
REQUEST_FACTS = frozenset({"note_given"})


@dataclass(frozen=True)
class Guard:
    """A named precondition of a step; the reasons are what a refused request is told."""

    name: str
    reason_de: str
    reason_en: str
    facts: tuple[str, ...]
    check: FactCheck

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return bool(self.check(facts))

    def reason(self, language: str) -> str:
        return self.reason_de if language == "de" else self.reason_en


def at_least(fact: str, minimum: int, *, name: str, reason_de: str, reason_en: str) -> Guard:
    """The common guard: a counted fact must reach a minimum."""
    return Guard(
        name=name,
        reason_de=reason_de,
        reason_en=reason_en,
        facts=(fact,),
        check=lambda facts: int(facts.get(fact) or 0) >= minimum,
    )


Recipients = Literal["participants", "contact", "supervisors"]


@dataclass(frozen=True)
class Notice:
    """A mail a step causes: which template, to whom."""

    template: str = "stage_notice"
    to: Recipients = "participants"


@dataclass(frozen=True)
class Stage:
    name: str
    label_de: str
    label_en: str
    # internal target: working days in the federal state from entering the stage
    deadline_working_days: int | None = None
    final: bool = False

    def label(self, language: str) -> str:
        return self.label_de if language == "de" else self.label_en


@dataclass(frozen=True)
class Step:
    """One row of the process table: from `source`, `trigger` leads to `dest` if all
    guards hold. `notices` None means the process's default notices."""

    trigger: str
    source: tuple[str, ...]
    dest: str
    guards: tuple[Guard, ...] = ()
    label_de: str = ""
    label_en: str = ""
    starts_funding: bool = False
    notices: tuple[Notice, ...] | None = None
    # a step that ends the case for good (reject, withdraw): it fires only with a note
    # saying why, and the dashboard asks for it in a confirmation. Not a guard: the step
    # is still allowed now (allowed_triggers lists it); only a request without a note is
    # refused (engine.Engine.refusal, the failed guard `reason_given`)
    needs_reason: bool = False

    def label(self, language: str) -> str:
        return (self.label_de if language == "de" else self.label_en) or self.trigger

    @property
    def reason_guard(self) -> Guard:
        """What a request of a `needs_reason` step without a note is told."""
        return Guard(
            name="reason_given",
            reason_de=f"„{self.label_de or self.trigger}“ braucht eine Begründung: "
            "Bitte geben Sie in der Notiz an, warum.",
            reason_en=f"'{self.label_en or self.trigger}' needs a reason: give it in the note",
            facts=("note_given",),
            check=lambda facts: bool(facts.get("note_given")),
        )


# the dates of an engagement a milestone may be anchored to
Anchor = Literal["created", "funding_start", "funding_end"]


@dataclass(frozen=True)
class Milestone:
    """A date the engagement must meet, anchored to one of its own dates (e.g. funding
    start + 12 months), unlike stage deadlines, which count from entering a stage.
    `moves_to_working_day`: a date the municipality must meet moves past weekends and
    holidays (§ 31 (3) VwVfG); the end of a funding period does not (§ 31 (4))."""

    name: str
    label_de: str
    label_en: str
    anchor: Anchor
    months: int = 0
    moves_to_working_day: bool = True
    # done when a record of this kind exists (e.g. "concept_draft"), or once the
    # engagement has reached one of these stages (e.g. the funding end, by "reporting")
    done_by_record: str | None = None
    done_in_stages: tuple[str, ...] = ()
    # an operator setting that gives the number of months instead (a value the research
    # could not verify); the direction (before or after the anchor) stays the sign of `months`
    months_setting: str | None = None
    # months that a version of the Richtlinie fixes itself, by KRL version
    months_by_krl: tuple[tuple[str, int], ...] = ()

    def label(self, language: str) -> str:
        return self.label_de if language == "de" else self.label_en

    def months_for(self, krl_version: str, settings_months: int | None) -> int:
        """The offset for an engagement under `krl_version`: the Richtlinie's own value
        first, then the operator's setting, then the definition's default."""
        for version, months in self.months_by_krl:
            if version == krl_version:
                return months
        if settings_months is None:
            return self.months
        return -settings_months if self.months < 0 else settings_months


@dataclass(frozen=True, eq=False)
class Process:
    """One version of one process. Versions of a process are separate definitions: an
    engagement keeps the version it started on until it is migrated."""

    name: str
    version: int
    title_de: str
    title_en: str
    initial: str
    stages: tuple[Stage, ...]
    steps: tuple[Step, ...]
    milestones: tuple[Milestone, ...] = ()
    # what a step without its own `notices` sends
    default_notices: tuple[Notice, ...] = (Notice("stage_notice", "participants"),)
    # when this version came into force (for the list of versions)
    created: date | None = None
    _by_name: dict[str, Stage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.stages})
        names = set(self._by_name)
        if len(names) != len(self.stages):
            raise ValueError(f"{self.key}: two stages share a name")
        if self.initial not in names:
            raise ValueError(f"{self.key}: initial stage {self.initial!r} is not a stage")
        for step in self.steps:
            for src in (*step.source, step.dest):
                if src not in names:
                    raise ValueError(
                        f"{self.key}: step {step.trigger!r} names unknown stage {src!r}"
                    )
            if any(self._by_name[s].final for s in step.source):
                raise ValueError(f"{self.key}: step {step.trigger!r} leaves a final stage")
        milestone_names = [m.name for m in self.milestones]
        if len(set(milestone_names)) != len(milestone_names):
            raise ValueError(f"{self.key}: two milestones share a name")

    @property
    def key(self) -> str:
        return f"{self.name} v{self.version}"

    def title(self, language: str) -> str:
        return self.title_de if language == "de" else self.title_en

    def has_stage(self, name: str) -> bool:
        return name in self._by_name

    def stage(self, name: str) -> Stage:
        return self._by_name[name]

    def is_final(self, name: str) -> bool:
        stage = self._by_name.get(name)
        return stage is not None and stage.final

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

    @property
    def facts(self) -> frozenset[str]:
        """Every named fact a guard of this process reads."""
        return frozenset(name for step in self.steps for g in step.guards for name in g.facts)

    @property
    def loaded_facts(self) -> frozenset[str]:
        """The facts the service loads from the database (all but the request's)."""
        return self.facts - REQUEST_FACTS

    def steps_from(self, state: str) -> list[Step]:
        return [step for step in self.steps if state in step.source]

    def step_label(self, trigger: str, language: str) -> str:
        for step in self.steps:
            if step.trigger == trigger:
                return step.label(language)
        return trigger

    def notices_of(self, step: Step) -> tuple[Notice, ...]:
        return self.default_notices if step.notices is None else step.notices


def milestone_due(
    milestone: Milestone,
    anchors: Mapping[str, date | None],
    federal_state: str,
    months: int | None = None,
) -> date | None:
    """The day a milestone falls due, from the engagement's dates; None while its anchor
    is not known (e.g. before the funding period starts). `months`: the offset as it
    applies to this engagement (Milestone.months_for), else the definition's."""
    anchor = anchors.get(milestone.anchor)
    if anchor is None:
        return None
    day = calendar.add_months(anchor, milestone.months if months is None else months)
    if milestone.moves_to_working_day:
        day = calendar.next_working_day(day, federal_state)
    return day
