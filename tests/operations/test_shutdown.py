"""Graceful shutdown: a stopping process hands back the mail it claimed but did not send,
so another replica sends it at once instead of after the lease."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from service.context import Context
from service.mail.dispatch import claim, worker_id
from service.mail.models import OutboxMessage
from service.scheduling import Sweeper
from tests.support import Api


def _claims(ctx: Context) -> list[tuple[str | None, str]]:
    with ctx.db.read() as session:
        return [
            (row.claimed_by, row.status)
            for row in session.execute(
                select(OutboxMessage).order_by(col(OutboxMessage.id))
            ).scalars()
        ]


def test_stopping_the_sweeper_releases_this_process_claims_only(staff: Api, ctx: Context) -> None:
    for n in range(3):
        eid = staff.engagement(municipality=f"Gemeinde {n}")["id"]
        staff.participant(eid)
        staff.ok(staff.fire(eid, "approve"))
    mine = claim(ctx, worker=worker_id(), limit=2)
    other = claim(ctx, worker="another-replica-1", limit=10)
    assert len(mine) == 2 and len(other) >= 1

    sweeper = Sweeper(ctx)
    sweeper.start(paused=True)  # running, but no sweep runs: only the claims above exist
    sweeper.stop()

    claims = _claims(ctx)
    assert worker_id() not in {by for by, _status in claims}
    assert sum(1 for by, _ in claims if by == "another-replica-1") == len(other)
    assert sum(1 for by, _ in claims if by is None) == 2
    assert not sweeper.scheduler.running
    # released mail is claimable again at once, by anyone
    assert len(claim(ctx, worker="a-third-replica", limit=10)) == 2
