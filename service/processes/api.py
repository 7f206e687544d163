"""HTTP for the registered processes and their versions, and for migrations (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from service.auth import tenancy
from service.auth.deps import Admin, Ctx, Reader
from service.core.context import Context
from service.core.errors import NotFound
from service.http.openapi import errors
from service.processes import migration
from service.processes.presenters import process_as_data, version_summary
from service.processes.schemas import (
    MigrationRequest,
    MigrationResponse,
    ProcessPublic,
    VersionSummary,
)
from workflows.definition import Process

router = APIRouter(prefix="/api/v1", tags=["processes"])

ProcessName = Annotated[str, Path(max_length=40)]
VersionNumber = Annotated[int, Path(ge=1, le=10_000)]


def _versions(ctx: Context, name: str) -> list[Process]:
    if not ctx.registry.knows(name):
        raise NotFound("process_not_found", process=name, known=ctx.registry.names())
    return ctx.registry.versions(name)


@router.get("/processes", response_model=list[ProcessPublic])
def list_processes(principal: Reader, ctx: Ctx) -> list[dict[str, Any]]:
    return [process_as_data(p, ctx.settings) for p in ctx.registry.all_latest()]


@router.get("/processes/{name}", response_model=ProcessPublic, responses=errors(404, 422))
def get_process(name: ProcessName, principal: Reader, ctx: Ctx) -> dict[str, Any]:
    return process_as_data(_versions(ctx, name)[-1], ctx.settings)


@router.get(
    "/processes/{name}/versions", response_model=list[VersionSummary], responses=errors(404, 422)
)
def list_versions(name: ProcessName, principal: Reader, ctx: Ctx) -> list[dict[str, Any]]:
    return [version_summary(p) for p in _versions(ctx, name)]


@router.get(
    "/processes/{name}/versions/{version}", response_model=ProcessPublic, responses=errors(404, 422)
)
def get_version(
    name: ProcessName, version: VersionNumber, principal: Reader, ctx: Ctx
) -> dict[str, Any]:
    for process in _versions(ctx, name):
        if process.version == version:
            return process_as_data(process, ctx.settings)
    raise NotFound("process_version_not_found", process=name, version=version)


@router.post(
    "/processes/{name}/migrations",
    response_model=MigrationResponse,
    responses=errors(403, 404, 422, e404="Unknown process, or it has no such version."),
)
def migrate(
    name: ProcessName, data: MigrationRequest, principal: Admin, ctx: Ctx
) -> MigrationResponse:
    """Dry run by default; each migrated engagement changes in its own transaction."""
    _versions(ctx, name)
    plan = migration.plan(ctx, name, data.from_version, data.to_version, data.state_map or {})
    result = migration.run(
        ctx,
        plan,
        engagement_ids=data.engagement_ids,
        dry_run=data.dry_run,
        actor=principal.name,
        tenant=tenancy.scope(principal),  # an admin of a firm moves only that firm's
    )
    return MigrationResponse.model_validate(result, from_attributes=True)
