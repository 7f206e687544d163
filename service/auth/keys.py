"""API keys: random secrets shown once, stored as SHA-256 (they carry 256 bits, so a
slow hash would add latency to every request without adding safety)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, select

from service.auth.models import ApiKey
from service.clock import Clock


class Role(StrEnum):
    staff = "staff"
    supervisor = "supervisor"
    admin = "admin"


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    def may_write(self) -> bool:
        return self.role in (Role.staff, Role.admin)


KEY_PREFIX = "fok_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(session: Session, clock: Clock, *, name: str, role: Role) -> tuple[ApiKey, str]:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        role=role.value,
        key_hash=hash_key(key),
        key_prefix=key[:10],
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row, key


class KeyCache:
    """Remembers verified keys for a few seconds: a key lookup on every request was a
    measurable share of a transition's cost. Revocation takes effect within `ttl`."""

    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

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
        if hit is not None and hit[0] > now:
            return hit[1]
        row = session.exec(
            select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))  # type: ignore[union-attr]
        ).first()
        principal = Principal(row.name, Role(row.role)) if row else None
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (now + self.ttl, principal)
        return principal
