"""The Fokusberatung Klimaschutz / Einstiegs- und Orientierungsberatung (KRL 4.1.1), as data.

Read each `Step` as one row of a table: from, trigger, to, and the guards that must
hold. Deadlines are working days in the municipality's federal state, counted from
the day a stage is entered; operators may override them with
`FOKUS_STAGE_DEADLINE_WORKING_DAYS`.

Version 1 is the process as fokus first ran it (KRL 2020 reading): every participant
hears of every stage change. Version 2 is the programme as the Richtlinie has it since
2022: the grant notice before approval, the consultant hired after it, the on-site
stock-taking, workshops inside the funding period, an optional council resolution, the
consulting-day budget, and the proof of use (Verwendungsnachweis) before completion.
"""

from __future__ import annotations

from datetime import date

from workflows.definition import Milestone, Notice, Process, Stage, Step, at_least
from workflows.guards import (
    CONSULTANT_CONTRACT,
    FIVE_MEASURES,
    GRANT_RECORDED,
    HALF_DIRECT,
    MEASURE_STARTED_IN_PERIOD,
    NOTE_GIVEN,
    PROOF_OF_USE,
    RESOLUTION,
    STOCKTAKING,
    WITHIN_BUDGET,
    WORKSHOP_IN_PERIOD,
)

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
)


# --- version 2: the programme since the KRL 2022 -------------------------------


# Who hears of a stage change (issue 15): the contact person of every stage; the
# participants (the local actors) only of what concerns them: the workshops stage
# (start_workshops, reopen_workshops) and the agreed guiding vision (adopt_vision).
# Version 1 keeps its old rule (every participant, every step: Process.default_notices).
TO_CONTACT = (Notice("stage_notice", "contact"),)
TO_ALL = (Notice("stage_notice", "contact"), Notice("stage_notice", "participants"))

ACTIVE_V2 = (
    "application",
    "contracting",
    "onboarding",
    "workshops",
    "guiding_vision",
    "resolution",
    "implementation",
    "reporting",
)

FUNDING_END = Milestone(
    "funding_end",
    "Ende des Bewilligungszeitraums",
    "End of the funding period",
    anchor="funding_end",
    moves_to_working_day=False,  # § 31 (4) VwVfG: the end of a period is not moved
    done_in_stages=("reporting", "completed"),
)
PROOF_OF_USE_DUE = Milestone(
    "proof_of_use",
    "Verwendungsnachweis einreichen",
    "Submit the proof of use",
    anchor="funding_end",
    months=6,
    months_setting="proof_of_use_months",  # UNVERIFIED: FOKUS_PROOF_OF_USE_MONTHS
    done_by_record="proof_of_use",
)

VERSION_2 = Process(
    name="fokusberatung",
    version=2,
    title_de="Fokusberatung Klimaschutz",
    title_en="Focus consultation on climate protection",
    created=date(2026, 12, 1),
    initial="application",
    stages=(
        APPLICATION,
        Stage("contracting", "Bewilligt – Beauftragung", "Contracting", deadline_working_days=20),
        Stage(
            "onboarding",
            "Auftaktgespräch und Bestandsaufnahme vor Ort",
            "Kick-off and on-site stock-taking",
            deadline_working_days=30,
        ),
        Stage(
            "workshops",
            "Workshops mit lokalen Schlüsselakteuren",
            "Workshops with local key actors",
            deadline_working_days=60,
        ),
        Stage(
            "guiding_vision",
            "Leitbild und Maßnahmenkatalog",
            "Guiding vision and measures",
            deadline_working_days=40,
        ),
        Stage("resolution", "Beschluss im Gremium", "Council resolution", deadline_working_days=30),
        Stage(
            "implementation",
            "Umsetzung erster Maßnahmen",
            "Implementing first measures",
            deadline_working_days=120,
        ),
        Stage("reporting", "Verwendungsnachweis", "Proof of use", deadline_working_days=120),
        COMPLETED,
        REJECTED,
        WITHDRAWN,
    ),
    steps=(
        Step(
            trigger="approve",
            source=("application",),
            dest="contracting",
            guards=(GRANT_RECORDED,),
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
            needs_reason=True,
        ),
        Step(
            trigger="start_onboarding",
            source=("contracting",),
            dest="onboarding",
            guards=(CONSULTANT_CONTRACT,),
            label_de="Auftakt beginnen",
            label_en="Start onboarding",
        ),
        Step(
            trigger="start_workshops",
            source=("onboarding",),
            dest="workshops",
            guards=(STOCKTAKING, HAS_PARTICIPANT),
            label_de="Workshops beginnen",
            label_en="Start workshops",
            notices=TO_ALL,
        ),
        Step(
            trigger="draft_vision",
            source=("workshops",),
            dest="guiding_vision",
            guards=(WORKSHOP_IN_PERIOD,),
            label_de="Leitbild entwerfen",
            label_en="Draft guiding vision",
        ),
        Step(
            trigger="reopen_workshops",
            source=("guiding_vision",),
            dest="workshops",
            label_de="Workshops wieder aufnehmen",
            label_en="Reopen workshops",
            notices=TO_ALL,  # back in the workshops stage: more invitations to come
        ),
        Step(
            trigger="adopt_vision",
            source=("guiding_vision",),
            dest="resolution",
            guards=(FIVE_MEASURES,),
            label_de="Leitbild abstimmen",
            label_en="Agree the guiding vision",
            notices=TO_ALL,
        ),
        Step(
            trigger="record_resolution",
            source=("resolution",),
            dest="implementation",
            guards=(RESOLUTION,),
            label_de="Beschluss erfasst",
            label_en="Resolution recorded",
        ),
        Step(
            trigger="skip_resolution",
            source=("resolution",),
            dest="implementation",
            guards=(NOTE_GIVEN,),
            label_de="Ohne Beschluss fortfahren",
            label_en="Continue without a resolution",
        ),
        Step(
            trigger="finish_consulting",
            source=("implementation",),
            dest="reporting",
            guards=(MEASURE_STARTED_IN_PERIOD, WITHIN_BUDGET, HALF_DIRECT),
            label_de="Beratung abschließen",
            label_en="Finish consulting",
        ),
        Step(
            trigger="submit_proof",
            source=("reporting",),
            dest="completed",
            guards=(PROOF_OF_USE,),
            label_de="Verwendungsnachweis eingereicht",
            label_en="Proof of use submitted",
        ),
        Step(
            trigger="withdraw",
            source=ACTIVE_V2,
            dest="withdrawn",
            label_de="Zurückziehen",
            label_en="Withdraw",
            needs_reason=True,
        ),
    ),
    milestones=(FUNDING_END, PROOF_OF_USE_DUE),
    default_notices=TO_CONTACT,
)

# every stage of version 1 has a stage of the same name in version 2 (the state map of
# `fokus process migrate fokusberatung --from 1 --to 2` is the identity)
VERSIONS = (VERSION_1, VERSION_2)
