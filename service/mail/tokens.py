"""Signed RSVP tokens: `itsdangerous` over (invitation id, nonce) with FOKUS_SECRET_KEY.

A token names exactly one invitation. It is checked twice: the signature (a tampered
token fails) and the nonce stored on the invitation (a token for an erased and
re-created invitation, or a guessed id, fails). Either failure looks the same to the
caller: None, so the page answers 404 and reveals nothing."""

from __future__ import annotations

import hmac

from itsdangerous import BadData, URLSafeSerializer

from service.core.context import Context

SALT = "fokus.rsvp.v1"


def _serializer(ctx: Context) -> URLSafeSerializer:
    return URLSafeSerializer(ctx.secret_key, salt=SALT)


def sign(ctx: Context, invitation_id: int, nonce: str) -> str:
    return str(_serializer(ctx).dumps([invitation_id, nonce]))


def read(ctx: Context, token: str) -> tuple[int, str] | None:
    """(invitation id, nonce) if the signature holds, else None."""
    if len(token) > 300:
        return None
    try:
        value = _serializer(ctx).loads(token)
    except (BadData, ValueError, UnicodeError):
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def nonce_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def rsvp_url(ctx: Context, invitation_id: int, nonce: str) -> str:
    return f"{ctx.settings.base_url}/rsvp/{sign(ctx, invitation_id, nonce)}"
