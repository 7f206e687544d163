"""Who a person is in the database: one email address (case-insensitive), and the names
stored with it. Export and erasure (GDPR Art. 15 and 17) find the person by both.

An address is matched as a whole address, never as part of another one: erasing
`anna@gemeinde.de` must not touch `hanna@gemeinde.de` or `anna@gemeinde.de.example`. The
database narrows the rows with LIKE (on the lower-cased column, and on the column as it is,
because SQLite lower-cases ASCII only); Python then decides with a regular expression.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import Session, col

from service.accounts.models import User
from service.engagements.models import Engagement
from service.participants.models import Participant

# characters that may stand right before or after an address without being part of it
_LOCAL = r"[\w.!#$%&'*+/=?^`{|}~-]"
_AFTER = r"(?![\w-]|\.[\w-])"
# a name this short would match too much of other people's text: it is not scrubbed
# from free text (the records that hold it are erased all the same)
MIN_NAME_LENGTH = 4
PLACEHOLDER_NAME = "gelöscht"
# where an erased address points: the reserved top-level domain `.invalid` (RFC 2606),
# which no mail server accepts and service/mail/outbox.py never queues to
ERASED_DOMAIN = "erased.invalid"
ERASED_TEXT = "[gelöscht / erased]"


def normalise(email: str) -> str:
    return email.strip().lower()


def erased_address(kind: str, row_id: int | None) -> str:
    """A unique, undeliverable stand-in: `users.email` is unique."""
    return f"geloescht-{kind}-{row_id}@{ERASED_DOMAIN}"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Person:
    """An address and the names found with it; `patterns` matches any of them in text."""

    email: str
    names: set[str] = field(default_factory=set)

    def texts(self) -> list[str]:
        """What to look for: the address, each name long enough, and their HTML-escaped
        forms (an HTML mail body holds `O&#x27;Brien`)."""
        found = [self.email]
        for name in sorted(self.names):
            if len(name.strip()) >= MIN_NAME_LENGTH and name != PLACEHOLDER_NAME:
                found.append(name.strip())
        escaped = [html.escape(t) for t in found]
        return list(dict.fromkeys([*found, *escaped]))

    def pattern(self) -> re.Pattern[str]:
        address = rf"(?<!{_LOCAL}){re.escape(self.email)}{_AFTER}"
        names = [rf"(?<!\w){re.escape(t)}(?!\w)" for t in self.texts() if t != self.email]
        return re.compile("|".join([address, *names]), re.IGNORECASE)

    def candidates(self, column: ColumnElement[str] | object) -> ColumnElement[bool]:
        """A cheap SQL filter: rows whose `column` may mention the person."""
        column = col(column)
        terms = []
        for text in self.texts():
            like = f"%{_escape_like(text)}%"
            terms.append(column.like(like, escape="\\"))
            terms.append(func.lower(column).like(f"%{_escape_like(text.lower())}%", escape="\\"))
        return or_(*terms)

    def mentioned_in(self, text: str | None) -> bool:
        return bool(text) and self.pattern().search(text or "") is not None

    def address_in(self, text: str | None) -> bool:
        if not text:
            return False
        address = rf"(?<!{_LOCAL}){re.escape(self.email)}{_AFTER}"
        return re.search(address, text, re.IGNORECASE) is not None

    def scrubbed(self, text: str) -> str:
        """`text` with the address and every name replaced by the erased marker."""
        return self.pattern().sub(ERASED_TEXT, text)


def find(session: Session, email: str) -> Person:
    """The person behind `email`, with the names stored for it as participant, contact
    person and account."""
    person = Person(normalise(email))
    queries = (
        select(col(Participant.name)).where(col(Participant.email) == person.email),
        select(col(Engagement.contact_name)).where(
            func.lower(col(Engagement.contact_email)) == person.email
        ),
        select(col(User.name)).where(func.lower(col(User.email)) == person.email),
    )
    for query in queries:
        person.names.update(n for n in session.execute(query).scalars() if n)
    return person
