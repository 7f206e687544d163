"""Moving running engagements from one version of a process to another.

A dry run (the default) only says what would happen. A real run changes each engagement
in its own transaction (`process_version`, `state` when the map renames it, `version`
+ 1, a history entry with trigger `migrate`), so one refusal or one concurrent change
never holds up the others. An engagement whose stage has no counterpart in the target
version is refused with the reason and left untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import col

from service.core.context import Context
from service.core.errors import Conflict, DomainError, NotFound
from service.engagements.models import Engagement, HistoryEntry
from workflows.definition import Process

_HISTORY = insert(HistoryEntry.__table__)  # type: ignore[attr-defined]


@dataclass
class MigrationPlan:
    process: str
    source: Process
    target: Process
    state_map: dict[str, str]
    # parts of the map that cannot apply (named in the answer, never silently dropped)
    warnings: list[str] = field(default_factory=list)


@dataclass
class MigrationResult:
    dry_run: bool
    migrated: list[int] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan(
    ctx: Context, name: str, from_version: int, to_version: int, state_map: dict[str, str]
) -> MigrationPlan:
    """Checks the request against the registry before anything is read: an unknown
    process or version is a 404. A map entry for a stage the old version does not have
    is a warning; one to a stage the new version does not have refuses the engagements
    in that stage, with the reason."""
    if not ctx.registry.knows(name):
        raise NotFound("migration_process_unknown", process=name, known=ctx.registry.names())
    for label, version in (("from_version", from_version), ("to_version", to_version)):
        if not ctx.registry.knows(name, version):
            known = ", ".join(str(p.version) for p in ctx.registry.versions(name))
            raise NotFound(
                "migration_version_unknown", field=label, process=name, version=version, known=known
            )
    source = ctx.registry.get(name, from_version)
    target = ctx.registry.get(name, to_version)
    warnings = [
        f"state_map: {old!r} is not a stage of {source.key}; ignored"
        for old in sorted(state_map)
        if not source.has_stage(old)
    ]
    return MigrationPlan(name, source, target, dict(state_map), warnings)


def target_state(migration: MigrationPlan, state: str) -> tuple[str | None, Conflict | None]:
    """Where an engagement in `state` goes (the map, else the same name if the target
    has it), or None and why not."""
    new = migration.state_map.get(state, state)
    if migration.target.has_stage(new):
        return new, None
    target, stages = migration.target.key, ", ".join(migration.target.state_names)
    if state in migration.state_map:
        return None, Conflict(
            "migrate_mapped_to_unknown", state=state, new=new, target=target, stages=stages
        )
    return None, Conflict("migrate_no_counterpart", state=state, target=target)


def refusal(engagement_id: int, why: DomainError) -> dict[str, Any]:
    """One engagement the migration leaves alone, and why, in both languages."""
    return {"id": engagement_id, "code": why.code, "reason": why.detail, "reason_de": why.detail_de}


def run(
    ctx: Context,
    migration: MigrationPlan,
    *,
    engagement_ids: list[int] | None,
    dry_run: bool,
    actor: str,
    tenant: str | None = None,
) -> MigrationResult:
    """Moves the asked engagements (None: every one on the plan's source version) to the
    target version. `tenant` (the caller's firm): another firm's engagement is refused
    as a missing one and left alone; without ids, only that firm's move."""
    result = MigrationResult(dry_run=dry_run, warnings=list(migration.warnings))
    with ctx.db.read() as session:
        query = select(
            col(Engagement.id),
            col(Engagement.process),
            col(Engagement.process_version),
            col(Engagement.state),
            col(Engagement.version),
        ).order_by(col(Engagement.id))
        if engagement_ids is None:
            query = query.where(
                col(Engagement.process) == migration.process,
                col(Engagement.process_version) == migration.source.version,
            )
        else:
            query = query.where(col(Engagement.id).in_(engagement_ids))
        if tenant is not None:
            query = query.where(col(Engagement.firm) == tenant)
        rows = {row.id: row for row in session.execute(query)}
    wanted = engagement_ids if engagement_ids is not None else list(rows)
    for eid in dict.fromkeys(wanted):  # each once, in the order asked
        row = rows.get(eid)
        if row is None:
            result.refused.append(refusal(eid, NotFound("engagement_not_found", engagement=eid)))
            continue
        if (row.process, row.process_version) != (migration.process, migration.source.version):
            running = f"{row.process} v{row.process_version}"
            why = Conflict(
                "migrate_other_version",
                engagement=eid,
                running=running,
                source=migration.source.key,
            )
            result.refused.append(refusal(eid, why))
            continue
        state, why_not = target_state(migration, row.state)
        if state is None:
            assert why_not is not None
            result.refused.append(refusal(eid, why_not))
            continue
        if dry_run or _migrate_one(ctx, migration, eid, row.version, row.state, state, actor):
            result.migrated.append(eid)
        else:
            result.refused.append(
                refusal(eid, Conflict("migrate_changed_meanwhile", engagement=eid))
            )
    return result


def _migrate_one(
    ctx: Context,
    migration: MigrationPlan,
    eid: int,
    version: int,
    from_state: str,
    to_state: str,
    actor: str,
) -> bool:
    """One engagement, one transaction; False if it changed since it was read."""
    now = ctx.clock.now()
    with ctx.db.write() as session:
        changed = session.execute(
            update(Engagement)
            .where(
                col(Engagement.id) == eid,
                col(Engagement.version) == version,
                col(Engagement.process) == migration.process,
                col(Engagement.process_version) == migration.source.version,
            )
            .values(
                process_version=migration.target.version,
                state=to_state,
                version=version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        source = {"process": migration.process, "version": migration.source.version}
        target = {"process": migration.process, "version": migration.target.version}
        session.execute(
            _HISTORY,
            dict(
                engagement_id=eid,
                kind="transition",
                from_state=from_state,
                to_state=to_state,
                trigger="migrate",
                actor=actor,
                note=None,  # the summary says it (engagements.history), from details
                at=now,
                action="migrated",
                details=json.dumps({"from": source, "to": target}),
            ),
        )
    return True


def engagements_per_version(ctx: Context) -> dict[tuple[str, int], int]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(col(Engagement.process), col(Engagement.process_version), func.count()).group_by(
                col(Engagement.process), col(Engagement.process_version)
            )
        )
        return {(name, version): count for name, version, count in rows}
