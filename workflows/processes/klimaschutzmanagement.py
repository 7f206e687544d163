"""Klimaschutzmanagement – Erstvorhaben (KRL 4.1.8 a), as data: a climate-protection
manager is hired, drafts the integrated concept (12 months after the funding start),
finishes it (18 months), the council adopts it, implementation runs to the end of the
24-month period, the follow-on application is due months before the end, then the
proof of use."""

from __future__ import annotations

from datetime import date

from workflows.definition import Milestone, Process, Stage, Step
from workflows.guards import (
    GRANT_RECORDED,
    MEASURE_STARTED_IN_PERIOD,
    PROOF_OF_USE,
    RESOLUTION,
    recorded,
)
from workflows.processes.fokusberatung import (
    COMPLETED,
    PROOF_OF_USE_DUE,
    REJECTED,
    TO_ALL,
    TO_CONTACT,
    WITHDRAWN,
)

MANAGER_HIRED = recorded(
    "manager_hired",
    name="manager_hired_recorded",
    reason_de="Erst muss die Einstellung des Klimaschutzmanagements erfasst sein.",
    reason_en="the hiring of the climate-protection manager must be recorded first",
)
DRAFT_SUBMITTED = recorded(
    "concept_draft",
    name="concept_draft_recorded",
    reason_de="Erst muss die Einreichung des Konzeptentwurfs erfasst sein.",
    reason_en="the submission of the draft concept must be recorded first",
)
CONCEPT_SUBMITTED = recorded(
    "concept_final",
    name="concept_final_recorded",
    reason_de="Erst muss die Einreichung des Klimaschutzkonzepts erfasst sein.",
    reason_en="the submission of the climate-protection concept must be recorded first",
)

ACTIVE = (
    "application",
    "recruiting",
    "concept_draft",
    "concept_final",
    "council_adoption",
    "implementation",
    "reporting",
)

VERSION_1 = Process(
    name="klimaschutzmanagement",
    version=1,
    title_de="Klimaschutzmanagement (Erstvorhaben)",
    title_en="Climate-protection management (first project)",
    created=date(2026, 12, 1),
    initial="application",
    stages=(
        Stage("application", "Antrag Erstvorhaben", "Application", deadline_working_days=20),
        Stage(
            "recruiting",
            "Stellenausschreibung und Einstellung",
            "Recruiting the manager",
            deadline_working_days=60,
        ),
        Stage(
            "concept_draft",
            "Konzepterstellung (Entwurf)",
            "Drafting the concept",
            deadline_working_days=180,
        ),
        Stage(
            "concept_final",
            "Klimaschutzkonzept fertigstellen",
            "Finishing the concept",
            deadline_working_days=120,
        ),
        Stage(
            "council_adoption",
            "Beschluss im höchsten Gremium",
            "Adoption by the council",
            deadline_working_days=60,
        ),
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
            dest="recruiting",
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
            trigger="hire_manager",
            source=("recruiting",),
            dest="concept_draft",
            guards=(MANAGER_HIRED,),
            label_de="Klimaschutzmanagement eingestellt",
            # the concept is drafted with the local actors: they hear that it starts
            notices=TO_ALL,
            label_en="Manager hired",
        ),
        Step(
            trigger="submit_draft",
            source=("concept_draft",),
            dest="concept_final",
            guards=(DRAFT_SUBMITTED,),
            label_de="Entwurf eingereicht",
            label_en="Draft submitted",
        ),
        Step(
            trigger="submit_concept",
            source=("concept_final",),
            dest="council_adoption",
            guards=(CONCEPT_SUBMITTED,),
            label_de="Konzept eingereicht",
            label_en="Concept submitted",
        ),
        Step(
            trigger="adopt_concept",
            source=("council_adoption",),
            dest="implementation",
            guards=(RESOLUTION,),
            label_de="Konzept beschlossen",
            # the adopted concept is this process's guiding vision: the actors hear of it
            notices=TO_ALL,
            label_en="Concept adopted",
        ),
        Step(
            trigger="finish",
            source=("implementation",),
            dest="reporting",
            guards=(MEASURE_STARTED_IN_PERIOD,),
            label_de="Umsetzung abschließen",
            label_en="Finish implementation",
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
            source=ACTIVE,
            dest="withdrawn",
            label_de="Zurückziehen",
            label_en="Withdraw",
            needs_reason=True,
        ),
    ),
    milestones=(
        Milestone(
            "concept_draft",
            "Entwurf des Klimaschutzkonzepts beim Projektträger",
            "Draft concept to the funding agency",
            anchor="funding_start",
            months=12,
            done_by_record="concept_draft",
        ),
        Milestone(
            "concept_final",
            "Klimaschutzkonzept beim Projektträger",
            "Climate-protection concept to the funding agency",
            anchor="funding_start",
            months=18,
            done_by_record="concept_final",
        ),
        Milestone(
            "follow_on_application",
            "Antrag auf das Anschlussvorhaben",
            "Application for the follow-on project",
            anchor="funding_end",
            months=-5,
            months_setting="follow_on_lead_months",  # FOKUS_FOLLOW_ON_LEAD_MONTHS before
            months_by_krl=(("2022", -6),),  # KRL 2021/2022 text: 6 months [R 4.1.8 b]
            done_by_record="follow_on_application",
        ),
        Milestone(
            "funding_end",
            "Ende des Bewilligungszeitraums",
            "End of the funding period",
            anchor="funding_end",
            moves_to_working_day=False,
            done_in_stages=("reporting", "completed"),
        ),
        PROOF_OF_USE_DUE,
    ),
    default_notices=TO_CONTACT,
)

VERSIONS = (VERSION_1,)
