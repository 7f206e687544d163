"""Engagement changes that run in a write transaction of their own: the one write path
the API and the dashboard share, so both commit the same way (group commit on SQLite)
and what follows the commit (waking the mail dispatcher) happens the same way.

The use cases themselves (service/engagements/service.py) run inside a caller's
transaction and never commit; this module is the caller for the paths that own theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from service.core.context import Context
from service.engagements import service
from service.engagements.models import Engagement
from service.engagements.schemas import TransitionRequest
from workflows.engine import Facts


@dataclass(frozen=True)
class Transitioned:
    """A committed transition: the engagement in its new state (detached, every column
    loaded) and its facts there, enough to present it without reading it again."""

    engagement: Engagement
    facts: Facts


async def fire_transition(
    ctx: Context, engagement_id: int, request: TransitionRequest, actor: str
) -> Transitioned:
    """Fires `request.trigger` on the engagement in a write transaction of its own, via
    `ctx.db.run_write` (SQLite: one job of the group-commit writer; PostgreSQL: its own
    transaction in the thread pool), and returns once it is committed. The mail the step
    queues wakes the dispatcher after the commit (an after-commit hook, not the caller).

    Raises what `service.transition` raises (NotFound, Invalid, Conflict with
    `allowed_triggers`/`failed_guards`/`current_version`); nothing is written then.

    Callers: `POST /api/v1/engagements/{id}/transitions` (service/engagements/api.py)
    and the dashboard's transition form, which awaits it from its async endpoint
    instead of running `service.fire` inside a `ctx.db.write()` of its own (from a worker
    thread: `anyio.from_thread.run(fire_transition, ctx, eid, request, actor)`).
    """

    def job(session: Session) -> Transitioned:
        engagement, facts = service.transition(session, ctx, engagement_id, request, actor)
        return Transitioned(engagement, facts)

    return await ctx.db.run_write(job)
