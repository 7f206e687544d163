"""HTTP for bulk changes: thin; the answer lists what changed and what was refused and why
(200 even when every engagement was refused: each has its own outcome)."""

from __future__ import annotations

from fastapi import APIRouter

from service.auth import tenancy
from service.auth.deps import Admin, Ctx, Writer
from service.bulk import service
from service.bulk.schemas import (
    BulkDeadlines,
    BulkMigrate,
    BulkMigrateResult,
    BulkOwner,
    BulkResult,
)
from service.http.openapi import errors

router = APIRouter(prefix="/api/v1/bulk", tags=["bulk"])

_LIST = "Invalid input: no ids, more than 500, an id listed twice (`detail` names the rule)."


@router.post("/deadlines", response_model=BulkResult, responses=errors(403, 422, e422=_LIST))
def bulk_deadlines(data: BulkDeadlines, principal: Writer, ctx: Ctx) -> BulkResult:
    """Each engagement in its own transaction with its own history entry (the reason);
    refused: unknown ids, final engagements, a version other than `expected_versions` says
    or a concurrent change."""
    return service.deadlines(ctx, data, principal.name, tenancy.scope(principal))


@router.post("/owner", response_model=BulkResult, responses=errors(403, 422, e422=_LIST))
def bulk_owner(data: BulkOwner, principal: Writer, ctx: Ctx) -> BulkResult:
    """Each engagement in its own transaction with its own history entry; refused: unknown
    ids, a version other than `expected_versions` says or a concurrent change."""
    return service.owner(ctx, data, principal.name, tenancy.scope(principal))


@router.post(
    "/migrate",
    response_model=BulkMigrateResult,
    responses=errors(
        403,
        404,
        422,
        e404="`to_version`: the process has no such version.",
        e422=_LIST + " Or a process this server does not know.",
    ),
)
def bulk_migrate(data: BulkMigrate, principal: Admin, ctx: Ctx) -> BulkMigrateResult:
    """Dry run by default (what would move where, what is refused); with `dry_run: false`
    each engagement moves in its own transaction with a history entry."""
    return service.migrate(ctx, data, principal.name, tenancy.scope(principal))
