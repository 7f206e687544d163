"""Which stage changes notify whom is part of each process version (issue 15).

Version 1 of fokusberatung keeps its rule: every participant hears of every step. The
newer versions (fokusberatung 2, klimaschutzmanagement 1): the contact person hears of
every stage; the participants (the local actors) only of the workshops stage and of the
agreed guiding vision, or what stands for them in the process."""

from __future__ import annotations

from service.core.context import Context
from tests.mail.conftest import Send
from tests.support import Api, SmtpSink
from workflows.definition import Process


def _who(process: Process) -> dict[str, set[str]]:
    """trigger → who its step mails (participants, contact, supervisors)."""
    return {step.trigger: {n.to for n in process.notices_of(step)} for step in process.steps}


def test_version_1_mails_every_participant_at_every_step(ctx: Context) -> None:
    who = _who(ctx.registry.get("fokusberatung", 1))
    assert who and all(to == {"participants"} for to in who.values())


def test_newer_versions_mail_the_contact_always_and_participants_of_workshops_and_vision(
    ctx: Context,
) -> None:
    v2 = ctx.registry.get("fokusberatung", 2)
    who = _who(v2)
    to_participants = {trigger for trigger, to in who.items() if "participants" in to}
    assert to_participants == {"start_workshops", "reopen_workshops", "adopt_vision"}
    assert all("contact" in to for to in who.values())
    into_workshops = {s.trigger for s in v2.steps if s.dest == "workshops"}
    assert into_workshops <= to_participants
    dests = {s.dest for s in v2.steps if s.trigger in to_participants}
    assert dests == {"workshops", "resolution"}  # not "Abgeschlossen" and the like

    who = _who(ctx.registry.get("klimaschutzmanagement", 1))
    assert {t for t, to in who.items() if "participants" in to} == {
        "hire_manager",  # the concept is drafted with the local actors
        "adopt_concept",  # the adopted concept: this process's guiding vision
    }
    assert all("contact" in to for to in who.values())


def test_a_rejection_reaches_participants_in_version_1_and_only_the_contact_in_version_2(
    staff: Api, send: Send, smtp_sink: SmtpSink
) -> None:
    old = staff.engagement(process_version=1)["id"]
    new = staff.engagement(process_version=2, contact_email="kontakt@example.org")["id"]
    for eid in (old, new):
        staff.participant(eid, name="Petra Klein", email=f"petra.{eid}@example.org")
        staff.ok(staff.fire(eid, "reject", note="Nicht förderfähig."))
    send()
    received = smtp_sink.wait_for(2)
    send()
    assert len(smtp_sink.messages) == 2
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == sorted(
        [f"petra.{old}@example.org", "kontakt@example.org"]
    )
    messages = {
        eid: [
            (m["kind"], m["to"]) for m in staff.ok(staff.get(f"/api/v1/engagements/{eid}/messages"))
        ]
        for eid in (old, new)
    }
    assert messages[old] == [("stage_notice", f"Petra Klein <petra.{old}@example.org>")]
    assert messages[new] == [("stage_notice", "Anna Schmidt <kontakt@example.org>")]
