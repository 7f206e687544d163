"""What makes a mail read like a letter: the salutation, the municipality with its
article, the signature and where a reply goes.

German letters from public administration open with "Sehr geehrte Frau Klein," where
the form of address is known, and with the full name ("Guten Tag Petra Klein,") where
it is not: guessing it from a first name would be wrong too often. A municipality's
name often carries its kind ("Gemeinde Beispielstadt", "Markt Grünau"); "für Gemeinde
Beispielstadt" lacks the article and "die Gemeinde Gemeinde …" doubles it, so the
article is chosen from that first word ("für die Gemeinde Beispielstadt", "für den
Markt Grünau") and a bare name stays bare ("für Beispielstadt").
"""

from __future__ import annotations

from typing import Literal, Protocol

from sqlalchemy import column, select, table
from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import UnmappedInstanceError

Salutation = Literal["frau", "herr"]
SALUTATIONS: tuple[Salutation, ...] = ("frau", "herr")

# the kind a municipality's name may start with, and its grammatical gender
_FEMININE = (
    "Gemeinde",
    "Stadt",
    "Samtgemeinde",
    "Verbandsgemeinde",
    "Ortsgemeinde",
    "Hansestadt",
    "Kreisstadt",
    "Große Kreisstadt",
    "Universitätsstadt",
    "Verwaltungsgemeinschaft",
    "Region",
    "Städteregion",
    "Landeshauptstadt",
    "Freie und Hansestadt",
)
_MASCULINE = ("Markt", "Landkreis", "Kreis", "Flecken", "Bezirk", "Regionalverband", "Zweckverband")
_NEUTER = ("Amt",)


def surname(name: str) -> str:
    """The last word of a name ("Petra Klein" → "Klein"; "Jürgen Größe-Weiß" →
    "Größe-Weiß"). A name of one word is that word."""
    words = name.split()
    return words[-1] if words else name


def greeting(language: str, name: str, salutation: str | None) -> str:
    """The opening line of a letter, with its comma."""
    name = " ".join(name.split())
    if language == "en":
        if salutation == "frau":
            return f"Dear Ms {surname(name)},"
        if salutation == "herr":
            return f"Dear Mr {surname(name)},"
        return f"Dear {name}," if name else "Dear Sir or Madam,"
    if salutation == "frau":
        return f"Sehr geehrte Frau {surname(name)},"
    if salutation == "herr":
        return f"Sehr geehrter Herr {surname(name)},"
    return f"Guten Tag {name}," if name else "Sehr geehrte Damen und Herren,"


def municipality_accusative(name: str) -> str:
    """The municipality after "für": with the article its kind needs ("die Gemeinde
    Beispielstadt", "den Markt Grünau", "das Amt Hüttener Berge"), a bare name bare."""
    name = " ".join(name.split())
    for kinds, article in ((_FEMININE, "die"), (_MASCULINE, "den"), (_NEUTER, "das")):
        # the longest kind first: "Große Kreisstadt X" is not a "Kreisstadt"
        for kind in sorted(kinds, key=len, reverse=True):
            if name.startswith(kind + " "):
                return f"{article} {name}"
    return name


# the accounts (service/accounts/models.py), as far as a Reply-To needs them
_USERS = table("users", column("name"), column("email"), column("disabled_at"))


class Owned(Protocol):
    """An engagement as far as a letter needs it (service/mail imports no feature)."""

    @property
    def owner(self) -> str | None: ...


def owner_address(engagement: Owned) -> str | None:
    """The address of the engagement's owner, for Reply-To: the email of the one enabled
    account whose name is the owner (None when there is none, or several share the
    name: then mail falls back to FOKUS_REPLY_TO, service.mail.outbox.enqueue). Read in
    the engagement's own database session, through the table (service/mail imports no
    feature)."""
    owner = (engagement.owner or "").strip()
    try:
        session = object_session(engagement)
    except UnmappedInstanceError:  # a plain object standing in for an engagement
        session = None
    if not owner or session is None:
        return None
    found = session.execute(
        select(_USERS.c.email)
        .where(_USERS.c.name == owner, _USERS.c.disabled_at.is_(None))
        .limit(2)
    ).all()
    return str(found[0][0]) if len(found) == 1 else None
