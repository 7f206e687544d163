"""Bulk changes: one use case per kind, each engagement in its own transaction.

Unlike the single-engagement use cases (which run inside the caller's transaction), these
open one write transaction per engagement themselves, so a refusal or a concurrent change
of one engagement never holds up or undoes the others. Each one goes through the same
use case as its single-engagement route (engagements.service.move_deadline / change,
processes.migration), so it writes the same history entry and checks the same rules; the
dashboard's checkboxes are to call these functions with the ids and versions they show.
Every id asked for is answered exactly once, in the order sent. `tenant` (the caller's
firm, service/auth/tenancy.py): another firm's engagement is refused exactly as a missing
one (`engagement_not_found`), and nothing of it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from service.bulk.schemas import (
    BulkDeadlines,
    BulkMigrate,
    BulkMigrateResult,
    BulkOwner,
    BulkResult,
    Move,
    Refusal,
    SeenVersion,
)
from service.core.context import Context
from service.core.errors import Conflict, DomainError, Invalid, NotFound
from service.engagements import service as engagements
from service.engagements.models import Engagement
from service.engagements.schemas import DeadlineRequest, EngagementUpdate
from service.processes import migration
from workflows import calendar

# one engagement's change: True if it changed, False if it already was as asked
Change = Callable[[Session, int, int | None], bool]


def _refusal(eid: int, why: DomainError) -> Refusal:
    return Refusal(id=eid, code=why.code, reason=why.detail, reason_de=why.detail_de)


def _outside(session: Session, eid: int, tenant: str | None) -> bool:
    """Whether the engagement exists but belongs to another firm than the caller's."""
    if tenant is None:
        return False
    firm = session.execute(select(col(Engagement.firm)).where(col(Engagement.id) == eid)).first()
    return firm is not None and firm[0] != tenant


def _each(
    ctx: Context,
    ids: list[int],
    seen: list[SeenVersion],
    change: Change,
    tenant: str | None = None,
) -> BulkResult:
    versions = {s.id: s.version for s in seen}
    result = BulkResult(changed=[], unchanged=[], refused=[])
    for eid in ids:
        try:
            with ctx.db.write() as session:
                if _outside(session, eid, tenant):
                    raise NotFound("engagement_not_found", engagement=eid)
                changed = change(session, eid, versions.get(eid))
        except DomainError as refused:  # the transaction was rolled back
            result.refused.append(_refusal(eid, refused))
            continue
        (result.changed if changed else result.unchanged).append(eid)
    return result


def deadlines(
    ctx: Context, data: BulkDeadlines, actor: str, tenant: str | None = None
) -> BulkResult:
    """Moves (`due_at`) or extends (`extend_working_days`) each stage deadline, with the
    one reason in each history entry. A final engagement has no deadline: refused."""
    tz = ctx.settings.tz

    def move(session: Session, eid: int, expected: int | None) -> bool:
        engagement = engagements.get(session, eid)
        due: datetime | None = data.due_at
        if data.extend_working_days is not None:
            process = engagements.definition(ctx, engagement)
            stage = process.stage(engagement.state).label("de")
            if process.is_final(engagement.state):
                raise Conflict("deadline_final", state_en=engagement.state, stage_de=stage)
            if engagement.stage_due_at is None:
                raise Conflict("no_deadline_to_extend", state_en=engagement.state, stage_de=stage)
            day = calendar.add_working_days(
                engagement.stage_due_at.astimezone(tz).date(),
                data.extend_working_days,
                engagement.federal_state,
            )
            due = datetime.combine(day, calendar.END_OF_DAY, tzinfo=tz)
        assert due is not None  # the schema requires one of the two
        request = DeadlineRequest.model_construct(
            due_at=due, reason=data.reason, expected_version=expected
        )
        engagements.move_deadline(session, ctx, eid, request, actor)
        return True

    return _each(ctx, data.engagement_ids, data.expected_versions, move, tenant)


def owner(ctx: Context, data: BulkOwner, actor: str, tenant: str | None = None) -> BulkResult:
    """Sets the owner (blank or null: none) as PATCH /engagements/{id} does; final
    engagements too, as there. One that already has this owner is `unchanged`."""

    def reassign(session: Session, eid: int, expected: int | None) -> bool:
        before = engagements.get(session, eid).version
        request = EngagementUpdate.model_validate(
            {"owner": data.owner, "expected_version": expected}
        )
        return engagements.change(session, ctx, eid, request, actor).version != before

    return _each(ctx, data.engagement_ids, data.expected_versions, reassign, tenant)


def migrate(
    ctx: Context, data: BulkMigrate, actor: str, tenant: str | None = None
) -> BulkMigrateResult:
    """Issue 8's migration for the selected engagements, each from the version it runs
    on: grouped by that version, each group planned and run (dry run: nothing written)."""
    if not ctx.registry.knows(data.process):  # the document lists the built-in ones
        raise Invalid("process_not_found", process=data.process, known=ctx.registry.names())
    if not ctx.registry.knows(data.process, data.to_version):
        raise NotFound("process_version_not_found", process=data.process, version=data.to_version)
    with ctx.db.read() as session:
        rows = {
            row.id: row
            for row in session.execute(
                select(
                    col(Engagement.id),
                    col(Engagement.process),
                    col(Engagement.process_version),
                    col(Engagement.state),
                ).where(
                    col(Engagement.id).in_(data.engagement_ids),
                    *([] if tenant is None else [col(Engagement.firm) == tenant]),
                )
            )
        }
    outcome: dict[int, Move | Refusal] = {}
    groups: dict[int, list[int]] = {}
    for eid in data.engagement_ids:
        row = rows.get(eid)
        if row is None:
            outcome[eid] = _refusal(eid, NotFound("engagement_not_found", engagement=eid))
        elif row.process != data.process:
            running, wanted = (ctx.registry.latest(p) for p in (row.process, data.process))
            why = Conflict(
                "migrate_other_process",
                engagement=eid,
                process_en=row.process,
                process_de=running.title("de"),
                wanted_en=data.process,
                wanted_de=wanted.title("de"),
            )
            outcome[eid] = _refusal(eid, why)
        elif row.process_version == data.to_version:
            why = Conflict(
                "migrate_already",
                engagement=eid,
                process_en=data.process,
                process_de=ctx.registry.latest(data.process).title("de"),
                version=data.to_version,
            )
            outcome[eid] = _refusal(eid, why)
        else:
            groups.setdefault(row.process_version, []).append(eid)
    warnings: dict[str, None] = {}
    for version, ids in sorted(groups.items()):
        plan = migration.plan(ctx, data.process, version, data.to_version, data.state_map or {})
        done = migration.run(ctx, plan, engagement_ids=ids, dry_run=data.dry_run, actor=actor)
        warnings.update(dict.fromkeys(done.warnings))
        for refused in done.refused:
            outcome[refused["id"]] = Refusal.model_validate(refused)
        for eid in done.migrated:
            to_state, _why = migration.target_state(plan, rows[eid].state)
            outcome[eid] = Move(
                id=eid,
                from_version=version,
                from_state=rows[eid].state,
                to_version=data.to_version,
                to_state=to_state or rows[eid].state,
            )
    ordered = [outcome[eid] for eid in data.engagement_ids]
    return BulkMigrateResult(
        dry_run=data.dry_run,
        changed=[o.id for o in ordered if isinstance(o, Move)],
        refused=[o for o in ordered if isinstance(o, Refusal)],
        moves=[o for o in ordered if isinstance(o, Move)],
        warnings=list(warnings),
    )
