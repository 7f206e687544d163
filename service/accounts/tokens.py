"""One-time links to set a password (`/password/<token>`): for a new account and for a
reset. The token carries 256 random bits and only its SHA-256 is stored, like an API
key; it is valid for `VALID_FOR`, and is used at most once: the `UPDATE` that marks it
used is conditional on `used_at IS NULL`, so two tabs submitting the same link cannot
both set a password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.accounts.models import PasswordToken, User
from service.auth.keys import hash_key
from service.core.clock import Clock

VALID_FOR = timedelta(hours=72)
PATH = "/password/"

State = Literal["valid", "unknown", "used", "expired"]


def issue(session: Session, clock: Clock, user_id: int) -> str:
    """A new link's token for the account; earlier unused links of it stop working (the
    newest link is the one that counts)."""
    now = clock.now()
    cancel(session, now, user_id)
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordToken(
            token_hash=hash_key(token), user_id=user_id, created_at=now, expires_at=now + VALID_FOR
        )
    )
    session.flush()
    return token


def cancel(session: Session, now: datetime, user_id: int) -> None:
    """Every unused link of the account stops working (it counts as used)."""
    session.execute(
        update(PasswordToken)
        .where(col(PasswordToken.user_id) == user_id, col(PasswordToken.used_at).is_(None))
        .values(used_at=now)
    )


def link(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + PATH + token


@dataclass(frozen=True)
class Found:
    state: State
    user: User | None = None


def look_up(session: Session, clock: Clock, token: str) -> Found:
    """What a link is: valid (with its account), unknown, used or expired. A disabled
    account's links are unknown."""
    if not token or len(token) > 100:
        return Found("unknown")
    row = session.exec(
        select(PasswordToken).where(PasswordToken.token_hash == hash_key(token))
    ).first()
    user = None if row is None else session.get(User, row.user_id)
    if row is None or user is None or user.disabled_at is not None:
        return Found("unknown")
    if row.used_at is not None:
        return Found("used")
    if row.expires_at <= clock.now():
        return Found("expired")
    return Found("valid", user)


def use(session: Session, now: datetime, token: str) -> bool:
    """Marks a valid link used; False when another request used it first (or it is no
    longer valid). The caller sets the password in the same transaction."""
    result = session.execute(
        update(PasswordToken)
        .where(
            col(PasswordToken.token_hash) == hash_key(token),
            col(PasswordToken.used_at).is_(None),
            col(PasswordToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
