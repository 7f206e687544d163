"""API keys over HTTP, for admins (the CLI `fokus apikey create` does the same on the
server). A key is shown once, on creation; afterwards only its prefix."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from service.auth.deps import Admin, Ctx
from service.auth.keys import Role, create_key, list_keys, revoke_key
from service.auth.models import ApiKey
from service.core.errors import NotFound
from service.core.validation import Id, Name
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["api keys"])


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    role: Role


class ApiKeyPublic(BaseModel):
    id: int
    name: str
    role: str
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: Annotated[str, Field(description="the secret; shown only in this response")]


def _public(row: ApiKey) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "key_prefix": row.key_prefix,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated, responses=errors(403, 422))
def create_api_key(
    data: ApiKeyCreate, principal: Admin, ctx: Ctx, session: WriteSession
) -> ApiKeyCreated:
    row, key = create_key(session, ctx.clock, name=data.name, role=data.role)
    return ApiKeyCreated.model_validate({**_public(row), "key": key})


@router.get("/api-keys", response_model=list[ApiKeyPublic], responses=errors(403))
def list_api_keys(principal: Admin, session: ReadSession) -> list[ApiKeyPublic]:
    return [ApiKeyPublic.model_validate(_public(row)) for row in list_keys(session)]


@router.delete("/api-keys/{key_id}", status_code=204, responses=errors(403, 404, 422))
def revoke_api_key(key_id: Id, principal: Admin, ctx: Ctx, session: WriteSession) -> None:
    """Revocation reaches every replica within the key cache's lifetime (10 s)."""
    if revoke_key(session, ctx.clock, key_id) is None:
        raise NotFound("api_key_not_found", key=key_id)
