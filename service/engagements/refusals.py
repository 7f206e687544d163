"""A refused step as the API and the dashboard word it (engagements.service.transition
raises it): the catalogue code that fits why the engine refused, with the step's and
stages' labels in German and English."""

from __future__ import annotations

from service.core.errors import Conflict
from workflows.definition import Process
from workflows.engine import TriggerRefused


def refusal_error(process: Process, state: str, trigger: str, refused: TriggerRefused) -> Conflict:
    """A refused step as the API answers it: the engine's English reason and a German
    one (the guards' own, or the stage's), the triggers allowed now and the failed
    guards with their reasons."""
    refusal = refused.refusal
    extra = {
        "allowed_triggers": refused.allowed,
        "failed_guards": [
            {"name": g.name, "reason_de": g.reason_de, "reason_en": g.reason_en}
            for g in refusal.failed_guards
        ],
    }
    # `reason_en` (the engine's, with keys) stays the API's detail; a person reads the
    # step's and stages' labels in either language
    step_de, step_en = process.step_label(trigger, "de"), process.step_label(trigger, "en")
    if refusal.failed_guards:
        return Conflict(
            "transition_refused",
            reason_en=refusal.reason,
            reason_de=refusal.reason_in("de"),
            why_en=refusal.reason_in("en"),
            step_de=step_de,
            step_en=step_en,
            extra=extra,
        )
    if not refusal.wrong_state:  # a guard changed its mind between the check and the fire
        return Conflict(
            "transition_raced",
            reason_en=refusal.reason,
            step_de=step_de,
            step_en=step_en,
            extra=extra,
        )
    stage = process.stage(state)
    if process.is_final(state):
        return Conflict(
            "transition_final",
            reason_en=refusal.reason,
            step_de=step_de,
            step_en=step_en,
            stage_de=stage.label("de"),
            stage_en=stage.label("en"),
            extra=extra,
        )
    sources = sorted({src for s in process.steps if s.trigger == trigger for src in s.source})
    stages = [process.stage(s) for s in sources if process.has_stage(s)]
    return Conflict(
        "transition_wrong_state",
        reason_en=refusal.reason,
        step_de=step_de,
        step_en=step_en,
        stage_de=stage.label("de"),
        stage_en=stage.label("en"),
        sources_de=[s.label("de") for s in stages],
        sources_en=[s.label("en") for s in stages],
        extra=extra,
    )
