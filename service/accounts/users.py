"""Accounts: create, find, list, disable, and a new link to set the password.

The email is the login name, stored lower-cased so "Lena.Vogel@…" and "lena.vogel@…"
are one account. An account is never deleted (history names it): disabling it ends its
dashboard sessions, its links and, through `key_principal`, every API key made for it.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from service.accounts import tokens
from service.accounts.models import User
from service.accounts.schemas import UserCreate, UserPublic
from service.auth.keys import forget_keys_on_commit
from service.auth.models import ApiKey, DashboardSession
from service.core.clock import Clock
from service.core.errors import Conflict, NotFound

log = logging.getLogger("fokus.accounts")


def normal_email(email: str) -> str:
    return email.strip().lower()


def find(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normal_email(email))).first()


def create(session: Session, clock: Clock, data: UserCreate) -> tuple[User, str]:
    """A new account without a password, and the token of its one-time link."""
    email = normal_email(data.email)
    if find(session, email) is not None:
        raise Conflict("user_email_taken", email=email)
    user = User(
        email=email,
        name=data.name,
        role=data.role.value,
        firm=data.firm,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    token = tokens.issue(session, clock, user.id)
    log.info("account %s created (%s)", user.id, user.role)
    return user, token


def public(user: User) -> UserPublic:
    return UserPublic(
        id=user.id or 0,
        email=user.email,
        name=user.name,
        role=user.role,
        firm=user.firm,
        created_at=user.created_at,
        password_set=user.password_hash is not None,
        disabled_at=user.disabled_at,
    )


def list_all(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.id))).all())


def end_sessions(session: Session, user_id: int) -> None:
    """Ends every dashboard session of the account: opened with its password or with a
    key made for it."""
    keys = sa_select(col(ApiKey.id)).where(col(ApiKey.user_id) == user_id)
    session.execute(
        delete(DashboardSession).where(
            (col(DashboardSession.user_id) == user_id) | col(DashboardSession.key_id).in_(keys)
        )
    )


def disable(session: Session, clock: Clock, user_id: int) -> User:
    """Disables the account (once: disabling again keeps the first time): its sessions
    end, its links and keys stop working (the key cache forgets them on commit)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", user=user_id)
    if user.disabled_at is None:
        user.disabled_at = clock.now()
        session.add(user)
        tokens.cancel(session, user.disabled_at, user_id)
        end_sessions(session, user_id)
        forget_keys_on_commit(session)
        log.info("account %s disabled", user_id)
    return user


def reset_link(session: Session, clock: Clock, email: str) -> tuple[User, str]:
    """A new one-time link for an existing, enabled account (a forgotten password)."""
    user = find(session, email)
    if user is None or user.disabled_at is not None or user.id is None:
        raise NotFound("user_email_unknown", email=normal_email(email))
    return user, tokens.issue(session, clock, user.id)
