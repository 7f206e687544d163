"""Passwords: Argon2id (argon2-cffi's defaults, RFC 9106's second recommendation), never
stored or logged in clear.

`verify` always costs one Argon2 computation: a login for an address nobody has is
checked against `DUMMY_HASH`, so the time it takes does not tell whether the account
exists.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12  # NIST SP 800-63B asks for at least 8; a passphrase is easy at 12
MAX_LENGTH = 200  # a bound on the work one request can ask of Argon2

_HASHER = PasswordHasher()
DUMMY_HASH = _HASHER.hash("fokus: no account has this password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; an account without a password (the link not used
    yet) is checked against the dummy hash and never matches."""
    try:
        return _HASHER.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def weakness(password: str, confirm: str) -> str | None:
    """Why a new password is refused (an i18n key of templates/i18n/*/accounts.json), or
    None when it may be set."""
    if len(password) < MIN_LENGTH:
        return "acc_pw_too_short"
    if len(password) > MAX_LENGTH:
        return "acc_pw_too_long"
    if password != confirm:
        return "acc_pw_mismatch"
    return None
