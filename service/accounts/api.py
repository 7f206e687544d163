"""Accounts over HTTP, for admins: create one (the answer carries its one-time link to
set the password), list them, disable one. The CLI `fokus user create` does the same on
the server. Disabling is the only way to remove an account: history names people, so the
row stays; its sessions end and the keys made for it stop working at once in this
process (in others within the key cache's 10 s)."""

from __future__ import annotations

from fastapi import APIRouter

from service.accounts import tokens, users
from service.accounts.schemas import UserCreate, UserCreated, UserPublic
from service.auth.deps import Admin, Ctx
from service.core.validation import Id
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/users", status_code=201, response_model=UserCreated, responses=errors(403, 409, 422))
def create_user(data: UserCreate, principal: Admin, ctx: Ctx, session: WriteSession) -> UserCreated:
    """A new account without a password; `password_link` (valid 72 hours, once) lets the
    person set it. 409 when an account has the address already (any case)."""
    user, token = users.create(session, ctx.clock, data)
    link = tokens.link(ctx.settings.base_url, token)
    return UserCreated(**users.public(user).model_dump(), password_link=link)


@router.get("/users", response_model=list[UserPublic], responses=errors(403))
def list_users(principal: Admin, session: ReadSession) -> list[UserPublic]:
    """Every account, oldest first, disabled ones included."""
    return [users.public(user) for user in users.list_all(session)]


@router.delete("/users/{user_id}", response_model=UserPublic, responses=errors(403, 404, 422))
def disable_user(user_id: Id, principal: Admin, ctx: Ctx, session: WriteSession) -> UserPublic:
    """Disables the account (again: no change): its dashboard sessions end, its links
    and the API keys made for it stop working."""
    return users.public(users.disable(session, ctx.clock, user_id))
