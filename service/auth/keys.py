"""API keys: random secrets shown once, stored as SHA-256 (they carry 256 bits, so a
slow hash would add latency to every request without adding safety)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, select

from service.accounts.models import User
from service.auth.models import ApiKey
from service.core.clock import Clock


class Role(StrEnum):
    staff = "staff"
    supervisor = "supervisor"
    admin = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling. `firm` is the tenant they belong to: with a firm they see and
    change only that firm's engagements; without one (the programme office,
    supervisors, admins) they see all."""

    name: str
    role: Role
    firm: str | None = None
    user_id: int | None = None  # the account behind a password login or a `--user` key

    def may_write(self) -> bool:
        return self.role in (Role.staff, Role.admin)


KEY_PREFIX = "fok_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(
    session: Session,
    clock: Clock,
    *,
    name: str,
    role: Role,
    firm: str | None = None,
    user_id: int | None = None,
) -> tuple[ApiKey, str]:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        role=role.value,
        key_hash=hash_key(key),
        key_prefix=key[:10],
        created_at=clock.now(),
        firm=firm,
        user_id=user_id,
    )
    session.add(row)
    session.flush()
    return row, key


def key_principal(session: Session, row: ApiKey) -> Principal | None:
    """Who a key acts as: a key made for an account is that account (its current role
    and firm; none once the account is disabled), a machine key is itself."""
    if row.user_id is None:
        return Principal(row.name, Role(row.role), row.firm)
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return Principal(user.name, Role(user.role), user.firm, user.id)


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, oldest first, revoked ones included (the API and /admin/keys)."""
    return list(session.exec(select(ApiKey).order_by(ApiKey.id)).all())  # type: ignore[arg-type]


def revoke_key(session: Session, clock: Clock, key_id: int) -> ApiKey | None:
    """Revokes a key (once: revoking it again keeps the first time); None when there is
    no such key. The key stops working in this process when the transaction commits
    (`_forget_revoked_keys`), in others within the cache's lifetime."""
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        session.add(row)
    return row


class KeyCache:
    """Remembers verified keys for a few seconds: a key lookup on every request was a
    measurable share of a transition's cost.

    A key revoked through this process leaves the cache when the revoking transaction
    commits (see `_forget_revoked_keys` below), so it stops working here at once; other
    processes only learn it from the database, within `ttl`. A generation counter keeps
    a lookup that read the key before the revocation committed from caching it again
    afterwards."""

    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()
        self._generation = 0

    def cached(self, key: str) -> tuple[bool, Principal | None]:
        """(True, principal) when the key was verified less than `ttl` ago (the
        principal is None for a key known to be invalid); (False, None) otherwise."""
        with self._lock:
            hit = self._entries.get(hash_key(key))
        if hit is not None and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def verify(self, session: Session, key: str) -> Principal | None:
        digest = hash_key(key)
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(digest)
            generation = self._generation
        if hit is not None and hit[0] > now:
            return hit[1]
        row = session.exec(
            select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))  # type: ignore[union-attr]
        ).first()
        principal = key_principal(session, row) if row else None
        with self._lock:
            if generation == self._generation:  # no revocation committed meanwhile
                if len(self._entries) > 10_000:
                    self._entries.clear()
                self._entries[digest] = (now + self.ttl, principal)
        return principal

    def forget(self, digests: set[str] | None) -> None:
        """Drops the given key hashes (None: every key) from the cache."""
        with self._lock:
            self._generation += 1
            if digests is None:
                self._entries.clear()
            else:
                for digest in digests:
                    self._entries.pop(digest, None)


# One cache per process: every app in it (tests build many) reads the same database
# rows through it, and a revocation in one must reach all of them.
KEY_CACHE = KeyCache()

_REVOKED = "fokus.revoked_key_hashes"  # session.info: hashes revoked in this transaction
_ALL = "*"  # a bulk UPDATE/DELETE of api_keys: forget every key


@event.listens_for(ApiKey, "after_update")
def _note_revocation(_mapper: Any, _connection: Any, target: ApiKey) -> None:
    """An ORM flush that changes `revoked_at` (or anything else of a key): remember its
    hash until the transaction commits."""
    session = inspect(target).session
    if session is not None:
        session.info.setdefault(_REVOKED, set()).add(target.key_hash)


@event.listens_for(ApiKey, "after_delete")
def _note_deletion(mapper: Any, connection: Any, target: ApiKey) -> None:
    _note_revocation(mapper, connection, target)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_change(state: ORMExecuteState) -> None:
    """`session.execute(update(ApiKey)…)` bypasses the mapper events: forget all keys."""
    if (state.is_update or state.is_delete) and state.bind_mapper is inspect(ApiKey):
        state.session.info.setdefault(_REVOKED, set()).add(_ALL)


def forget_keys_on_commit(session: Session) -> None:
    """Something else than a key changed what keys act as (an account was disabled):
    the cache forgets every key when this transaction commits."""
    session.info.setdefault(_REVOKED, set()).add(_ALL)


@event.listens_for(Session, "after_commit")
def _forget_revoked_keys(session: Session) -> None:
    revoked = session.info.pop(_REVOKED, None)
    if revoked:
        KEY_CACHE.forget(None if _ALL in revoked else revoked)


@event.listens_for(Session, "after_rollback")
def _keep_keys_after_rollback(session: Session) -> None:
    session.info.pop(_REVOKED, None)
