"""The transition's write path reads the engagement with Core, not the ORM (issue 16):
what it changes is still what the next read in the same transaction sees, whether that
is another transition (a group commit runs many in one session) or an ORM copy loaded
earlier."""

from __future__ import annotations

import pytest

from service.core.context import Context
from service.core.errors import Conflict
from service.engagements import service
from service.engagements.schemas import TransitionRequest
from tests.support import Api


def test_two_transitions_in_one_session_see_each_other(staff: Api, ctx: Context) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid)
    with ctx.db.write() as session:
        first, _ = service.transition(
            session, ctx, eid, TransitionRequest(trigger="approve", expected_version=1), "t"
        )
        second, facts = service.transition(
            session,
            ctx,
            eid,
            TransitionRequest(trigger="start_workshops", expected_version=2),
            "t",
        )
        assert (first.state, first.version) == ("onboarding", 2)
        assert (second.state, second.version) == ("workshops", 3)
        assert facts.state == "workshops" and facts.named["participant_count"] == 1
        with pytest.raises(Conflict) as stale:
            service.transition(
                session,
                ctx,
                eid,
                TransitionRequest(trigger="draft_vision", expected_version=2),
                "t",
            )
        assert stale.value.extra == {"current_version": 3}
    shown = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    assert (shown["state"], shown["version"]) == ("workshops", 3)


def test_an_orm_copy_loaded_before_follows_the_transition(staff: Api, ctx: Context) -> None:
    eid = staff.engagement()["id"]
    with ctx.db.write() as session:
        loaded = service.get(session, eid)
        assert loaded.version == 1
        service.transition(session, ctx, eid, TransitionRequest(trigger="approve"), "t")
        again = service.get(session, eid)
        assert again is loaded
        assert (again.state, again.version) == ("onboarding", 2)
        assert again.funding_ends_at is not None  # approve starts the funding period
