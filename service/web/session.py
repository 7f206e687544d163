"""Dashboard sessions and CSRF.

The session is one cookie, signed with the service's secret key (itsdangerous, with a
timestamp so it expires), `HttpOnly`, `SameSite=Lax`, `Secure` when the service is
served over https. It holds the API key's row id and the first 16 hex digits of its
stored SHA-256 (so a reused id after a database reset is not the same login), never
the key itself, and a random CSRF token. Every request re-reads the key row, so a
revoked key ends its sessions at once. Visitors without a login get an anonymous
session too, so that the login form carries a CSRF token like every other form.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlmodel import col

from service.auth.keys import Principal, Role, hash_key
from service.auth.models import ApiKey
from service.context import Context

COOKIE = "fokus_session"
MAX_AGE = 12 * 3600  # a working day; then log in again
CSRF_FIELD = "csrf_token"
_SALT = "fokus.dashboard.session"


@dataclass(frozen=True)
class WebSession:
    csrf: str
    key_id: int | None = None
    key_tag: str | None = None  # the start of the key's hash: binds the cookie to that key
    principal: Principal | None = None
    fresh: bool = False  # True when this request created it: the cookie must be set

    @property
    def may_write(self) -> bool:
        return self.principal is not None and self.principal.may_write()


def _serializer(ctx: Context) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(ctx.secret_key, salt=_SALT)


TAG_LENGTH = 16


def _active_key(ctx: Context, condition: Any) -> tuple[int, str, Principal] | None:
    """Id, hash tag and principal of a key that is not revoked (read inside the
    transaction: the read unit of work expires its rows when it ends)."""
    with ctx.db.read() as session:
        row = session.execute(
            select(col(ApiKey.id), col(ApiKey.key_hash), col(ApiKey.name), col(ApiKey.role)).where(
                condition, col(ApiKey.revoked_at).is_(None)
            )
        ).first()
    if row is None:
        return None
    try:
        return int(row[0]), str(row[1])[:TAG_LENGTH], Principal(row[2], Role(row[3]))
    except ValueError:
        return None


def _principal(ctx: Context, key_id: int, tag: object) -> Principal | None:
    """The key's principal if it still exists, is not revoked, and is the same key the
    session was made for (ids can be reused after a database reset)."""
    found = _active_key(ctx, col(ApiKey.id) == key_id)
    if found is None or not isinstance(tag, str) or not hmac.compare_digest(found[1], tag):
        return None
    return found[2]


def load(request: Request) -> WebSession:
    """The request's session: from a valid cookie, else a new anonymous one."""
    cached = getattr(request.state, "web_session", None)
    if isinstance(cached, WebSession):
        return cached
    ctx: Context = request.app.state.ctx
    raw = request.cookies.get(COOKIE)
    result = WebSession(csrf=secrets.token_urlsafe(32), fresh=True)
    if raw:
        try:
            data: Any = _serializer(ctx).loads(raw, max_age=MAX_AGE)
        except (BadSignature, ValueError, TypeError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("c"), str) and data["c"]:
            key_id = data.get("k")
            if isinstance(key_id, int) and not isinstance(key_id, bool):
                principal = _principal(ctx, key_id, data.get("h"))
                if principal is not None:
                    result = WebSession(
                        csrf=data["c"], key_id=key_id, key_tag=data["h"], principal=principal
                    )
                else:  # revoked since: anonymous, with a new token
                    result = WebSession(csrf=secrets.token_urlsafe(32), fresh=True)
            else:
                result = WebSession(csrf=data["c"])
    request.state.web_session = result
    return result


def login(ctx: Context, key: str) -> WebSession | None:
    """A new session (new CSRF token: no fixation) for a valid key, else None."""
    key = key.strip()
    if not key or len(key) > 200:
        return None
    found = _active_key(ctx, col(ApiKey.key_hash) == hash_key(key))
    if found is None:
        return None
    key_id, tag, principal = found
    return WebSession(
        csrf=secrets.token_urlsafe(32), key_id=key_id, key_tag=tag, principal=principal, fresh=True
    )


def anonymous() -> WebSession:
    return WebSession(csrf=secrets.token_urlsafe(32), fresh=True)


def store(request: Request, response: Response, web_session: WebSession) -> None:
    ctx: Context = request.app.state.ctx
    value = _serializer(ctx).dumps(
        {"k": web_session.key_id, "h": web_session.key_tag, "c": web_session.csrf}
    )
    response.set_cookie(
        COOKIE,
        value,
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
