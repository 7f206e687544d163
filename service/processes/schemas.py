from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

StageName = Annotated[str, Field(min_length=1, max_length=40, pattern="^[a-z][a-z0-9_]*$")]
ProcessVersion = Annotated[int, Field(ge=1, le=10_000)]
EngagementId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class MigrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_version: ProcessVersion
    to_version: ProcessVersion
    # old stage -> new stage; stages of the same name map to themselves
    state_map: Annotated[dict[StageName, StageName], Field(max_length=200)] | None = None
    # None: every engagement on from_version
    engagement_ids: Annotated[list[EngagementId], Field(max_length=10_000)] | None = None
    dry_run: bool = True


class MigrationRefusal(BaseModel):
    id: int
    reason: str


class MigrationResponse(BaseModel):
    dry_run: bool
    migrated: list[int]
    refused: list[MigrationRefusal]
