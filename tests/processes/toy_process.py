"""A test-only process, written the way a new process module is written: it reuses an
existing fact (`participant_count`) and declares one milestone. Nothing under
`service/` knows it; the tests hand it to the app in its registry."""

from __future__ import annotations

from datetime import date

from workflows.definition import Milestone, Notice, Process, Stage, Step, at_least

HAS_TWO_PARTICIPANTS = at_least(
    "participant_count",
    2,
    name="has_two_participants",
    reason_de="Erst müssen zwei teilnehmende Personen erfasst sein.",
    reason_en="two participants must be recorded first",
)

SPRINT = Process(
    name="klimasprint",
    version=1,
    title_de="Klimasprint",
    title_en="Climate sprint",
    created=date(2026, 12, 1),
    initial="kickoff",
    stages=(
        Stage("kickoff", "Auftakt", "Kick-off", deadline_working_days=5),
        Stage("sprint", "Sprint", "Sprint", deadline_working_days=10),
        Stage("done", "Fertig", "Done", final=True),
    ),
    steps=(
        Step(
            trigger="begin",
            source=("kickoff",),
            dest="sprint",
            label_de="Sprint beginnen",
            label_en="Begin the sprint",
            starts_funding=True,
        ),
        Step(
            trigger="finish",
            source=("sprint",),
            dest="done",
            guards=(HAS_TWO_PARTICIPANTS,),
            label_de="Sprint abschließen",
            label_en="Finish the sprint",
            notices=(Notice("stage_notice", "contact"),),
        ),
    ),
    milestones=(
        Milestone(
            "review",
            "Zwischenbilanz",
            "Interim review",
            anchor="funding_start",
            months=1,
        ),
    ),
    default_notices=(),
)
