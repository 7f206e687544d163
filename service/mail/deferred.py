"""Mail that is rendered when it is sent, not when it is queued (issue 16).

A stage notice is queued inside the transition that causes it, once per recipient.
Rendering each letter there (three Jinja templates per recipient) made a transition
with 30 participants cost six times one with one, and held the write lock meanwhile.
So the transition stores what to render: the template, the letter's language and the
parameters as JSON (`params`); the dispatcher renders the bodies just before it sends,
with the same templates and the same values, so the mail is the same as before.

Only the subject is rendered at queue time, once per language and transition (the API
and the dashboard list it): it reads the transition's parameters, never a recipient's.

`params` holds the recipient's name and salutation: personal data, scrubbed on erasure
like `to_addr` (service/mail/outbox.forget_recipient).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from service.mail.models import OutboxMessage
from service.mail.render import render

_DATETIME = "$datetime"
_DATE = "$date"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    raise TypeError(f"{type(value).__name__} cannot be stored in a mail's parameters")


def encode(params: dict[str, Any]) -> str:
    """`params` as the JSON text of the outbox row; datetimes and dates are tagged so
    they come back as what the templates format (`due_at.strftime(…)`)."""
    return json.dumps(params, default=_encode, ensure_ascii=False, separators=(",", ":"))


def decode(text: str, tz: tzinfo) -> dict[str, Any]:
    """The parameters `encode` stored; a datetime comes back in `tz` (it was given in the
    service's zone, and its offset alone would print a different %Z)."""

    def tagged(value: dict[str, Any]) -> Any:
        if len(value) == 1:
            if _DATETIME in value:
                return datetime.fromisoformat(value[_DATETIME]).astimezone(tz)
            if _DATE in value:
                return date.fromisoformat(value[_DATE])
        return value

    decoded = json.loads(text, object_hook=tagged)
    if not isinstance(decoded, dict):
        raise ValueError("a mail's parameters are a JSON object")
    return decoded


@dataclass(frozen=True)
class Ready:
    """An outbox row with its bodies, as `transport.build_message` takes it."""

    to_addr: str
    reply_to: str | None
    subject: str
    body_text: str
    body_html: str
    ics: bytes | None
    ics_method: str | None
    message_id: str
    created_at: datetime


def ready(row: OutboxMessage, tz: tzinfo) -> Ready:
    """The row with its bodies: rendered now from `template`, `language` and `params`
    where the row was queued that way, else the bodies it was queued with (rows queued
    before migration 0020, and every mail rendered at queue time)."""
    text, html = row.body_text, row.body_html
    if row.template is not None and (text is None or html is None):
        if row.params is None:
            raise ValueError("the message has a template but no parameters")
        rendered = render(row.template, row.language or "de", decode(row.params, tz))
        text, html = rendered.text, rendered.html
    if text is None or html is None:
        raise ValueError("the message has neither its text nor a template to render it")
    return Ready(
        to_addr=row.to_addr,
        reply_to=row.reply_to,
        subject=row.subject,
        body_text=text,
        body_html=html,
        ics=row.ics,
        ics_method=row.ics_method,
        message_id=row.message_id,
        created_at=row.created_at,
    )
