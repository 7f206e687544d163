"""Logging in with email and password, the lock-out, and changing a password.

Lock-out: after `LOCK_AFTER` failed logins in a row an account is refused (429) for a
minute, and for twice as long after each further failure (at most an hour); a good
login resets the count. Each attempt first wins the right to try with one conditional
`UPDATE … SET failed_logins = failed_logins + 1 … WHERE locked_until IS NULL OR
locked_until <= now`: the count goes up before the password is checked, and an attempt
that would make it reach the limit also sets `locked_until`. So parallel guesses cannot
get past the limit (each one counts, in the database's order), and a good password
undoes its own count afterwards. A login for an address that has no account (or a
disabled one) still checks against a dummy hash: the same time, the same answer.

Logs name the account's id and the count, never the password nor the address typed.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, update
from sqlmodel import Session, col

from service.accounts import passwords, tokens
from service.accounts.models import User
from service.accounts.users import end_sessions, find
from service.auth.keys import Principal, Role
from service.core.context import Context

log = logging.getLogger("fokus.accounts")

LOCK_AFTER = 5
FIRST_LOCK = timedelta(seconds=60)
LONGEST_LOCK = timedelta(hours=1)


def lock_for(count: int) -> timedelta | None:
    """How long the account is refused after `count` failures in a row."""
    if count < LOCK_AFTER:
        return None
    longer: timedelta = FIRST_LOCK * 2 ** min(count - LOCK_AFTER, 20)
    return min(longer, LONGEST_LOCK)


@dataclass(frozen=True)
class Outcome:
    """A login's result: the principal, or refused (`locked_until` set: 429)."""

    principal: Principal | None = None
    locked_until: datetime | None = None

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the next try (Retry-After)."""
        if self.locked_until is None:
            return 0
        return max(1, math.ceil((self.locked_until - now).total_seconds()))


def principal_of(user: User) -> Principal:
    return Principal(user.name, Role(user.role), user.firm, user.id)


def _claim(session: Session, user_id: int, now: datetime) -> bool:
    """Counts one attempt unless the account is locked; sets the lock when this attempt
    reaches the limit (kept if the password turns out right: `_succeeded` lifts it)."""
    locked_type = User.__table__.c.locked_until.type  # type: ignore[attr-defined]
    limit = int(LONGEST_LOCK / FIRST_LOCK).bit_length() + LOCK_AFTER
    whens = [
        (
            col(User.failed_logins) == before,
            literal(now + (lock_for(before + 1) or FIRST_LOCK), locked_type),
        )
        for before in range(LOCK_AFTER - 1, limit)
    ]
    whens.append((col(User.failed_logins) >= limit, literal(now + LONGEST_LOCK, locked_type)))
    result = session.execute(
        update(User)
        .where(
            col(User.id) == user_id,
            col(User.disabled_at).is_(None),
            col(User.locked_until).is_(None) | (col(User.locked_until) <= now),
        )
        .values(
            failed_logins=col(User.failed_logins) + 1,
            locked_until=case(*whens, else_=literal(None, locked_type)),
        )
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def login(ctx: Context, email: str, password: str) -> Outcome:
    """Checks email and password; see the module's docstring for the lock-out."""
    email = email.strip()[:254]
    password = password[: passwords.MAX_LENGTH + 1]
    with ctx.db.read() as session:
        user = find(session, email) if email else None
        found = None if user is None or user.disabled_at is not None else user.id
        stored = None if user is None else user.password_hash
    if found is None:
        passwords.verify(None, password)  # the same time as for an account
        log.info("login refused: no such account (or disabled)")
        return Outcome()
    now = ctx.clock.now()
    with ctx.db.write() as session:
        claimed = _claim(session, found, now)
        if not claimed:
            row = session.get(User, found)
            until = None if row is None else row.locked_until
    if not claimed:
        log.warning("login refused: account %s is locked until %s", found, until)
        return Outcome(locked_until=until) if until is not None else Outcome()
    if passwords.verify(stored, password) and len(password) <= passwords.MAX_LENGTH:
        with ctx.db.write() as session:
            session.execute(
                update(User).where(col(User.id) == found).values(failed_logins=0, locked_until=None)
            )
            row = session.get(User, found)
            principal = None if row is None or row.disabled_at else principal_of(row)
        log.info("login: account %s", found)
        return Outcome(principal)
    with ctx.db.read() as session:
        row = session.get(User, found)
        count = 0 if row is None else row.failed_logins
    log.warning("login failed: account %s, %d failed in a row", found, count)
    return Outcome()


def _store_password(session: Session, user: User, password_hash: str, now: datetime) -> None:
    """Sets the password and ends every session of the account (the caller opens the
    one for this browser afterwards); a lock-out ends with it."""
    user.password_hash = password_hash
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    assert user.id is not None
    end_sessions(session, user.id)


def set_with_token(ctx: Context, token: str, password: str, confirm: str) -> str | Principal:
    """Sets the password through a one-time link. The principal on success, else why not:
    an i18n key of the password's problem, or the link's state (`unknown`, `used`,
    `expired`)."""
    with ctx.db.read() as session:
        state = tokens.look_up(session, ctx.clock, token).state
    if state != "valid":
        return state
    problem = passwords.weakness(password, confirm)
    if problem is not None:
        return problem
    password_hash = passwords.hash_password(password)  # slow: outside the transaction
    now = ctx.clock.now()
    with ctx.db.write() as session:
        found = tokens.look_up(session, ctx.clock, token)
        if found.user is None or not tokens.use(session, now, token):
            return found.state if found.state != "valid" else "used"
        _store_password(session, found.user, password_hash, now)
        principal = principal_of(found.user)
    log.info("password set through a link: account %s", principal.user_id)
    return principal


def change(
    ctx: Context, user_id: int, current: str, password: str, confirm: str
) -> str | Principal:
    """Changes the password of a signed-in account, which must give its current one.
    Every session of the account ends; the principal (for this browser's new session) or
    the i18n key of the problem."""
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        stored = None if user is None or user.disabled_at else user.password_hash
        exists = stored is not None
    if not passwords.verify(stored, current[: passwords.MAX_LENGTH]) or not exists:
        log.warning("password change refused: account %s gave a wrong current password", user_id)
        return "acc_pw_current_wrong"
    problem = passwords.weakness(password, confirm)
    if problem is not None:
        return problem
    password_hash = passwords.hash_password(password)
    now = ctx.clock.now()
    with ctx.db.write() as session:
        user = session.get(User, user_id)
        if user is None or user.disabled_at is not None:
            return "acc_pw_current_wrong"
        _store_password(session, user, password_hash, now)
        principal = principal_of(user)
    log.info("password changed: account %s", user_id)
    return principal
