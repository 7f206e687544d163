"""The request's unit of work. Declared with scope="function" so the commit happens
before the response is sent (docs/pitfalls.md: otherwise a client can miss its own row).
What must follow the commit (waking the mail dispatcher) is registered on the session
with `service.core.commit_hooks.after_commit` and run by `Database.write()` itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from service.auth.deps import Ctx


def write_session(ctx: Ctx) -> Iterator[Session]:
    with ctx.db.write() as session:
        yield session


def read_session(ctx: Ctx) -> Iterator[Session]:
    with ctx.db.read() as session:
        yield session


WriteSession = Annotated[Session, Depends(write_session, scope="function")]
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
