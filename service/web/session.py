"""Dashboard sessions and CSRF.

The session is one cookie, signed with the service's secret key (itsdangerous, with a
timestamp so it expires), `HttpOnly`, `SameSite=Lax`, `Secure` when the service is
served over https. A logged-in cookie holds a random session id and a random CSRF
token, never the key. The session itself lives in the database (`dashboard_sessions`,
only the id's SHA-256): every request reads it with its API key or its account, so
logging out (which deletes the row), the 12 hours running out (`expires_at`, by the
service's clock), a revoked key, a disabled account or a changed password (which deletes
all the account's rows) end it at once, on every replica, and a restart keeps it.
Visitors without a login get an anonymous session too (in the cookie only, nothing
stored), so that the login form carries a CSRF token like every other form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, insert, select
from sqlmodel import col

from service.accounts.models import User
from service.accounts.signin import principal_of
from service.auth.keys import Principal, hash_key, key_principal
from service.auth.models import ApiKey, DashboardSession
from service.core.context import Context

COOKIE = "fokus_session"
MAX_AGE = 12 * 3600  # a working day; then log in again
CSRF_FIELD = "csrf_token"
_SALT = "fokus.dashboard.session"


@dataclass(frozen=True)
class WebSession:
    csrf: str
    session_id: str | None = None  # the random id in the cookie (stored only hashed)
    principal: Principal | None = None
    fresh: bool = False  # True when this request created it: the cookie must be set

    @property
    def may_write(self) -> bool:
        return self.principal is not None and self.principal.may_write()


def _serializer(ctx: Context) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(ctx.secret_key, salt=_SALT)


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


def _principal(ctx: Context, session_id: str) -> Principal | None:
    """The principal of a stored session that has not expired: for a key session, while
    the key is not revoked (and its account, if any, not disabled); for a password
    session, while the account is not disabled. Read inside the transaction: the read
    unit of work expires its rows when it ends."""
    with ctx.db.read() as session:
        row = session.execute(
            select(DashboardSession).where(
                col(DashboardSession.id_hash) == _id_hash(session_id),
                col(DashboardSession.expires_at) > ctx.clock.now(),
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        try:
            if row.key_id is not None:
                key = session.get(ApiKey, row.key_id)
                if key is None or key.revoked_at is not None:
                    return None
                return key_principal(session, key)
            user = None if row.user_id is None else session.get(User, row.user_id)
            if user is None or user.disabled_at is not None:
                return None
            return principal_of(user)
        except ValueError:
            return None


def load(request: Request) -> WebSession:
    """The request's session: from a valid cookie, else a new anonymous one."""
    cached = getattr(request.state, "web_session", None)
    if isinstance(cached, WebSession):
        return cached
    ctx: Context = request.app.state.ctx
    raw = request.cookies.get(COOKIE)
    result = anonymous()
    if raw:
        try:
            data: Any = _serializer(ctx).loads(raw, max_age=MAX_AGE)
        except (BadSignature, ValueError, TypeError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("c"), str) and data["c"]:
            session_id = data.get("s")
            if isinstance(session_id, str) and 0 < len(session_id) <= 100:
                principal = _principal(ctx, session_id)
                if principal is not None:
                    result = WebSession(csrf=data["c"], session_id=session_id, principal=principal)
                # else: logged out, expired or revoked since: anonymous, with a new token
            elif "s" not in data:  # an anonymous visitor's cookie
                result = WebSession(csrf=data["c"])
    request.state.web_session = result
    return result


def login(ctx: Context, key: str) -> WebSession | None:
    """A new stored session (new id and CSRF token: no fixation) for a valid key, else
    None. Expired sessions of anyone are cleared out on the way."""
    key = key.strip()
    if not key or len(key) > 200:
        return None
    with ctx.db.read() as session:  # a wrong key costs no write transaction
        found = session.execute(
            select(ApiKey).where(
                col(ApiKey.key_hash) == hash_key(key), col(ApiKey.revoked_at).is_(None)
            )
        ).scalar_one_or_none()
        try:
            principal = None if found is None else key_principal(session, found)
        except ValueError:
            principal = None
        key_id = None if found is None else found.id
    if principal is None:
        return None
    return open_session(ctx, principal, key_id=key_id)


def open_session(ctx: Context, principal: Principal, *, key_id: int | None = None) -> WebSession:
    """Stores a new session (new id and CSRF token: no fixation) for a principal that
    was just checked: opened with a key (`key_id`) or with the password of the account
    `principal.user_id`. Expired sessions of anyone are cleared out on the way."""
    now = ctx.clock.now()
    session_id = secrets.token_urlsafe(32)
    with ctx.db.write() as session:
        session.execute(delete(DashboardSession).where(col(DashboardSession.expires_at) <= now))
        session.execute(
            insert(DashboardSession).values(
                id_hash=_id_hash(session_id),
                key_id=key_id,
                user_id=None if key_id is not None else principal.user_id,
                created_at=now,
                expires_at=now + timedelta(seconds=MAX_AGE),
            )
        )
    return WebSession(
        csrf=secrets.token_urlsafe(32), session_id=session_id, principal=principal, fresh=True
    )


def end(ctx: Context, web_session: WebSession) -> None:
    """Ends a stored session on the server: its cookie opens nothing any more."""
    if web_session.session_id is None:
        return
    with ctx.db.write() as session:
        session.execute(
            delete(DashboardSession).where(
                col(DashboardSession.id_hash) == _id_hash(web_session.session_id)
            )
        )


def key_id_of(ctx: Context, web_session: WebSession) -> int | None:
    """The id of the API key a stored session was opened with (None for a visitor): the
    keys page warns an admin before they revoke their own."""
    if web_session.session_id is None:
        return None
    with ctx.db.read() as session:
        found = session.execute(
            select(col(DashboardSession.key_id)).where(
                col(DashboardSession.id_hash) == _id_hash(web_session.session_id)
            )
        ).scalar_one_or_none()
    return None if found is None else int(found)


def anonymous() -> WebSession:
    return WebSession(csrf=secrets.token_urlsafe(32), fresh=True)


def store(request: Request, response: Response, web_session: WebSession) -> None:
    """Sets the cookie for `web_session`. It replaces the request's session: a stored
    session it replaces (logout, or a new login over an old one) ends on the server."""
    ctx: Context = request.app.state.ctx
    previous = getattr(request.state, "web_session", None)
    if (
        isinstance(previous, WebSession)
        and previous.session_id is not None
        and previous.session_id != web_session.session_id
    ):
        end(ctx, previous)
    request.state.web_session = web_session
    data: dict[str, str] = {"c": web_session.csrf}
    if web_session.session_id is not None:
        data["s"] = web_session.session_id
    response.set_cookie(
        COOKIE,
        _serializer(ctx).dumps(data),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=ctx.settings.base_url.startswith("https://"),
    )


def csrf_ok(web_session: WebSession, sent: object) -> bool:
    """The form's token must equal the session's (constant-time compare)."""
    if not isinstance(sent, str) or not sent or web_session.fresh:
        return False
    return hmac.compare_digest(sent.encode(), web_session.csrf.encode())
