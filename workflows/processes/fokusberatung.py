"""The Fokusberatung Klimaschutz (Kommunalrichtlinie), as data.

Read each `Step` as one row of a table: from, trigger, to, and the guards that must
hold. Deadlines are working days in the municipality's federal state, counted from
the day a stage is entered; operators may override them with
`FOKUS_STAGE_DEADLINE_WORKING_DAYS`.

Version 1 is the process as fokus first ran it (KRL 2020 reading): every participant
hears of every stage change.
"""

from __future__ import annotations

from datetime import date

from workflows.definition import Milestone, Process, Stage, Step, at_least

# --- guards: what must be true before a stage may be left ---------------------

HAS_PARTICIPANT = at_least(
    "participant_count",
    1,
    name="has_participant",
    reason_de="Erst muss mindestens eine teilnehmende Person erfasst sein.",
    reason_en="at least one participant must be recorded before the workshops start",
)
HAS_ENDED_WORKSHOP = at_least(
    "ended_workshop_count",
    1,
    name="has_ended_workshop",
    reason_de="Erst muss mindestens ein Workshop stattgefunden haben.",
    reason_en="at least one workshop must have ended before the guiding vision is drafted",
)
HAS_FIVE_MEASURES = at_least(
    "measure_count",
    5,
    name="has_five_measures",
    reason_de="Erst müssen mindestens 5 Maßnahmen erfasst sein.",
    reason_en="at least 5 measures must be recorded before the guiding vision is adopted",
)
HAS_STARTED_MEASURE = at_least(
    "started_measure_count",
    1,
    name="has_started_measure",
    reason_de="Erst muss mindestens 1 Maßnahme begonnen oder abgeschlossen sein.",
    reason_en="at least 1 measure must be in progress or completed before completion",
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

ACTIVE_V1 = ("application", "onboarding", "workshops", "guiding_vision", "implementation")

FUNDING_END = Milestone(
    "funding_end",
    "Ende des Bewilligungszeitraums",
    "End of the funding period",
    anchor="funding_end",
    moves_to_working_day=False,  # § 31 (4) VwVfG: a period's end is not moved
)

VERSION_1 = Process(
    name="fokusberatung",
    version=1,
    title_de="Fokusberatung Klimaschutz",
    title_en="Focus consultation on climate protection",
    created=date(2026, 11, 25),
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
            trigger="approve",
            source=("application",),
            dest="onboarding",
            label_de="Bewilligen",
            label_en="Approve",
            starts_funding=True,
        ),
        Step(
            trigger="reject",
            source=("application",),
            dest="rejected",
            label_de="Ablehnen",
            label_en="Reject",
        ),
        Step(
            trigger="start_workshops",
            source=("onboarding",),
            dest="workshops",
            guards=(HAS_PARTICIPANT,),
            label_de="Workshops beginnen",
            label_en="Start workshops",
        ),
        Step(
            trigger="draft_vision",
            source=("workshops",),
            dest="guiding_vision",
            guards=(HAS_ENDED_WORKSHOP,),
            label_de="Leitbild entwerfen",
            label_en="Draft guiding vision",
        ),
        Step(
            trigger="reopen_workshops",
            source=("guiding_vision",),
            dest="workshops",
            label_de="Workshops wieder aufnehmen",
            label_en="Reopen workshops",
        ),
        Step(
            trigger="adopt_vision",
            source=("guiding_vision",),
            dest="implementation",
            guards=(HAS_FIVE_MEASURES,),
            label_de="Leitbild beschließen",
            label_en="Adopt guiding vision",
        ),
        Step(
            trigger="complete",
            source=("implementation",),
            dest="completed",
            guards=(HAS_STARTED_MEASURE,),
            label_de="Abschließen",
            label_en="Complete",
        ),
        Step(
            trigger="withdraw",
            source=ACTIVE_V1,
            dest="withdrawn",
            label_de="Zurückziehen",
            label_en="Withdraw",
        ),
    ),
    milestones=(FUNDING_END,),
)

VERSIONS = (VERSION_1,)
