"""A process version as data, the one shape the API, the CLI and the dashboard show."""

from __future__ import annotations

from typing import Any

from service.core.settings import Settings
from workflows.definition import Process


def process_as_data(process: Process, settings: Settings) -> dict[str, Any]:
    stages = [
        {
            "name": stage.name,
            "label_de": stage.label_de,
            "label_en": stage.label_en,
            "final": stage.final,
            "deadline_working_days": settings.deadline_working_days(process, stage.name),
        }
        for stage in process.stages
    ]
    steps = [
        {
            "trigger": step.trigger,
            "from": list(step.source),
            "to": step.dest,
            "label_de": step.label_de,
            "label_en": step.label_en,
            "guards": [
                {
                    "name": g.name,
                    "reason_de": g.reason_de,
                    "reason_en": g.reason_en,
                    "description": g.reason_en,  # the first release's field name
                    "facts": list(g.facts),
                }
                for g in step.guards
            ],
            "notices": [{"template": n.template, "to": n.to} for n in process.notices_of(step)],
            "needs_reason": step.needs_reason,
        }
        for step in process.steps
    ]
    return {
        "name": process.name,
        "version": process.version,
        "title_de": process.title_de,
        "title_en": process.title_en,
        "initial": process.initial,
        "stages": stages,
        "steps": steps,
        "milestones": [
            {
                "name": m.name,
                "label_de": m.label_de,
                "label_en": m.label_en,
                "anchor": m.anchor,
                "months": m.months,
                "moves_to_working_day": m.moves_to_working_day,
            }
            for m in process.milestones
        ],
        # the first release's names for the same lists (GET /api/v1/workflow)
        "states": stages,
        "transitions": steps,
        "final_states": process.final_states,
    }


def version_summary(process: Process) -> dict[str, Any]:
    return {
        "version": process.version,
        "created": process.created.isoformat() if process.created else None,
    }
