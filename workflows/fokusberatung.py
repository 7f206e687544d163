"""The Fokusberatung Klimaschutz process (Kommunalrichtlinie), as data.

Read it as the table in CONTRACT.md: each `Step` is one row (from, trigger, to,
guards). Deadlines are working days in the municipality's federal state, counted
from the day a stage is entered; operators may override them with
`FOKUS_STAGE_DEADLINE_WORKING_DAYS`.
"""

from __future__ import annotations

from workflows.definition import Guard, Process, Stage, Step

# --- guards: what must be true before a stage may be left ---------------------

HAS_PARTICIPANT = Guard(
    name="has_participant",
    reason="at least one participant must be recorded before the workshops start",
    check=lambda s: s.participant_count >= 1,
)
HAS_ENDED_WORKSHOP = Guard(
    name="has_ended_workshop",
    reason="at least one workshop must have ended before the guiding vision is drafted",
    check=lambda s: s.ended_workshop_count >= 1,
)
HAS_FIVE_MEASURES = Guard(
    name="has_five_measures",
    reason="at least 5 measures must be recorded before the guiding vision is adopted",
    check=lambda s: s.measure_count >= 5,
)
HAS_STARTED_MEASURE = Guard(
    name="has_started_measure",
    reason="at least 1 measure must be in progress or completed before completion",
    check=lambda s: s.started_measure_count >= 1,
)

# --- stages -------------------------------------------------------------------

APPLICATION = Stage("application", "Antrag", "Application", deadline_working_days=20)
ONBOARDING = Stage(
    "onboarding", "Auftaktgespräch und Ist-Analyse", "Onboarding", deadline_working_days=30
)
WORKSHOPS = Stage(
    "workshops", "Workshops mit lokalen Akteuren", "Workshops", deadline_working_days=60
)
GUIDING_VISION = Stage("guiding_vision", "Leitbild", "Guiding vision", deadline_working_days=40)
IMPLEMENTATION = Stage(
    "implementation", "Umsetzung der Maßnahmen", "Implementation", deadline_working_days=120
)
COMPLETED = Stage("completed", "Abgeschlossen", "Completed", final=True)
REJECTED = Stage("rejected", "Abgelehnt", "Rejected", final=True)
WITHDRAWN = Stage("withdrawn", "Zurückgezogen", "Withdrawn", final=True)

ACTIVE = ("application", "onboarding", "workshops", "guiding_vision", "implementation")

FOKUSBERATUNG = Process(
    name="fokusberatung",
    initial="application",
    stages=(
        APPLICATION,
        ONBOARDING,
        WORKSHOPS,
        GUIDING_VISION,
        IMPLEMENTATION,
        COMPLETED,
        REJECTED,
        WITHDRAWN,
    ),
    steps=(
        Step(
            "approve",
            ("application",),
            "onboarding",
            (),
            "Bewilligen",
            "Approve",
            starts_funding=True,
        ),
        Step("reject", ("application",), "rejected", (), "Ablehnen", "Reject"),
        Step(
            "start_workshops",
            ("onboarding",),
            "workshops",
            (HAS_PARTICIPANT,),
            "Workshops beginnen",
            "Start workshops",
        ),
        Step(
            "draft_vision",
            ("workshops",),
            "guiding_vision",
            (HAS_ENDED_WORKSHOP,),
            "Leitbild entwerfen",
            "Draft guiding vision",
        ),
        Step(
            "reopen_workshops",
            ("guiding_vision",),
            "workshops",
            (),
            "Workshops wieder aufnehmen",
            "Reopen workshops",
        ),
        Step(
            "adopt_vision",
            ("guiding_vision",),
            "implementation",
            (HAS_FIVE_MEASURES,),
            "Leitbild beschließen",
            "Adopt guiding vision",
        ),
        Step(
            "complete",
            ("implementation",),
            "completed",
            (HAS_STARTED_MEASURE,),
            "Abschließen",
            "Complete",
        ),
        Step("withdraw", ACTIVE, "withdrawn", (), "Zurückziehen", "Withdraw"),
    ),
)
