"""Structured logs: JSON lines on stderr when it is not a terminal (or FOKUS_LOG_FORMAT=json),
plain text on a terminal. Every line written while a request is handled carries its id.

No line carries a secret or a row's values: the sources are fixed (engines with
`hide_parameters=True` in service/core/db.py, the access line's path with the RSVP token
masked in service/observability/http.py), and both formatters pass the message, the
traceback and the fields through `redact` as a last guard for what a library puts
into an exception's text: API keys (`fok_…`), RSVP tokens (`/rsvp/…`), SQLAlchemy's
`[parameters: …]` and PostgreSQL's `DETAIL:` line (a unique violation names the
duplicate value there, e.g. an email address)."""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

REQUEST_ID: ContextVar[str | None] = ContextVar("fokus_request_id", default=None)
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# what `redact` masks; API keys are "fok_" + 43 characters of urlsafe base64
_SECRETS = re.compile(
    r"(?P<key>\bfok_)[A-Za-z0-9_-]{16,}"
    r"|(?P<rsvp>/rsvp/)[^\s\"'<>?#/\\]+"
    r"|(?P<params>\[parameters: )[^\n]*"
    r"|(?P<detail>DETAIL: )[^\n]*"
)
_MASKS = {
    "key": "fok_***",
    "rsvp": "/rsvp/***",
    "params": "[parameters: hidden]",
    "detail": "DETAIL: (hidden)",
}


def _mask(match: re.Match[str]) -> str:
    return _MASKS[str(match.lastgroup)]


def redact(text: str) -> str:
    """`text` with API keys, RSVP tokens, SQL parameters and PostgreSQL DETAIL lines
    masked."""
    return _SECRETS.sub(_mask, text)


# fields a record may carry through `extra=` that the JSON formatter writes out
EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms", "sweep", "client")
_QUIET = {
    "apscheduler": logging.WARNING,
    "transitions": logging.WARNING,
    "alembic": logging.WARNING,
    "uvicorn.access": logging.WARNING,
}


def accept_request_id(value: str | None) -> str:
    """The caller's X-Request-ID if it is a sane token, else a new one."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return secrets.token_hex(8)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                # a route is a template (/rsvp/{token}), never a value: kept as it is
                secret_free = name == "route" or not isinstance(value, str)
                entry[name] = value if secret_free else redact(value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        request_id = getattr(record, "request_id", None)
        return f"{line} [{request_id}]" if request_id else line


def wants_json(fmt: Literal["auto", "json", "text"], stream: TextIO) -> bool:
    if fmt == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (isatty is not None and isatty())
    return fmt == "json"


def setup_logging(
    fmt: Literal["auto", "json", "text"] = "auto",
    *,
    level: int = logging.INFO,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Installs one handler on the root logger (replacing earlier ones) and quietens
    chatty libraries. Returns the handler."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if wants_json(fmt, stream) else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    for name in ("uvicorn", "uvicorn.error"):  # let uvicorn's lines go through our handler
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler
