"""Search and order keys of an engagement, kept in columns so the database does the work.

A Sachbearbeiterin types "Grunau", "gruenau" or "GRÜNAU" and means "Markt Grünau". The
search column (`Engagement.search_text`) holds the municipality, the file number and the
contact's name folded twice: once with umlauts as plain vowels ("grunau") and once
spelled out ("gruenau"), ß as "ss" and other accents dropped in both. A query is folded
the same two ways and matches when either form is contained in the column, so every
spelling finds every other. The column starts with the folded municipality, so ordering
by it orders names as a German reader expects ("Ägidienberg" with the A's).

`owner_key` orders owners naturally (digit runs compared as numbers: "Referent 2"
before "Referent 10"), folded like the search.

Both columns are derived, never edited: `derived()` computes them from the fields they
come from. service.engagements.service writes them on create and on every change of
those fields; `fill()` writes them (and the file number) for rows inserted without them:
migration 0006's existing rows, `fokus demo --engagements N`'s bulk rows.

The file number (Aktenzeichen) tells engagements with the same name apart without a
counter of its own: the process's prefix, the year of creation (local time) and the id,
`FB-2026-0042`. It is stored once the id is known and never changes (a migration to a
newer process version keeps it).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

# prefixes of the programme's processes; any other process uses its name's initials
PREFIXES = {"fokusberatung": "FB", "klimaschutzmanagement": "KSM"}
SEPARATOR = "\x1f"  # between the two folded forms: no query contains a control character
MAX_LENGTH = 1000  # two forms of municipality (200), contact (200) and file number

_UMLAUTS_AS_E = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def _plain(text: str) -> str:
    """Lower case, ß as ss, accents dropped, runs of white space as one blank."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def fold(text: str) -> str:
    """'Markt Grünau' → 'markt grunau' (the form umlauts-as-vowels)."""
    return _plain(text)


def fold_spelled(text: str) -> str:
    """'Markt Grünau' → 'markt gruenau' (umlauts spelled out, as on a keyboard without them)."""
    return _plain(unicodedata.normalize("NFC", text.casefold()).translate(_UMLAUTS_AS_E))


def query_forms(q: str) -> list[str]:
    """The folded forms of a search term to look for (one or two, never empty strings)."""
    forms = []
    for form in (fold(q), fold_spelled(q)):
        if form and form not in forms:
            forms.append(form)
    return forms


def search_text(municipality: str, contact_name: str, file_number: str | None) -> str:
    """The value of the search column: municipality first (it orders by name)."""
    words = " ".join(part for part in (municipality, file_number or "", contact_name) if part)
    return (fold(words) + SEPARATOR + fold_spelled(words))[:MAX_LENGTH]


def owner_key(owner: str | None) -> str | None:
    """Natural order of owners: digit runs padded to ten places ('referent 0000000002')."""
    if not owner:
        return None
    return _DIGITS.sub(lambda m: m.group().rjust(10, "0"), fold(owner))[:MAX_LENGTH]


def natural(owner: str) -> tuple[str, str]:
    """Sort key for owners in Python (the filter's list): the same as `owner_key`."""
    return (owner_key(owner) or "", owner)


def prefix(process: str) -> str:
    """FB, KSM, or the initials of another process's name (tests' toy processes)."""
    known = PREFIXES.get(process)
    if known:
        return known
    initials = "".join(part[0] for part in process.split("_") if part)
    return (initials or "X").upper()[:4]


def file_number(process: str, year: int, engagement_id: int) -> str:
    """'FB-2026-0042': unique because the id is."""
    return f"{prefix(process)}-{year}-{engagement_id:04d}"


def derived(
    municipality: str, contact_name: str, owner: str | None, file_number: str | None
) -> dict[str, Any]:
    """The derived columns from the fields they are made of."""
    return {
        "search_text": search_text(municipality, contact_name, file_number),
        "owner_key": owner_key(owner),
    }


# the columns fill() reads and writes, named here rather than taken from the model, so
# migration 0006 can run it against the table as it was then
_TABLE = sa.table(
    "engagements",
    sa.column("id", sa.Integer),
    sa.column("process", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("municipality", sa.String),
    sa.column("contact_name", sa.String),
    sa.column("owner", sa.String),
    sa.column("file_number", sa.String),
    sa.column("search_text", sa.String),
    sa.column("owner_key", sa.String),
)


def fill(connection: sa.Connection, tz: ZoneInfo, batch: int = 2_000) -> int:
    """File number, search text and owner key for every row that has no file number yet,
    `batch` rows per SELECT and one executemany UPDATE each; returns how many."""
    t = _TABLE
    update = (
        t.update()
        .where(t.c.id == sa.bindparam("_id"))
        .values(
            file_number=sa.bindparam("file_number"),
            search_text=sa.bindparam("search_text"),
            owner_key=sa.bindparam("owner_key"),
        )
    )
    last, done = 0, 0
    while True:
        rows = connection.execute(
            sa.select(
                t.c.id, t.c.process, t.c.created_at, t.c.municipality, t.c.contact_name, t.c.owner
            )
            .where(t.c.file_number.is_(None), t.c.id > last)
            .order_by(t.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        values = []
        for row in rows:
            created = row.created_at
            if created.tzinfo is None:  # SQLite gives the stored UTC time without offset
                created = created.replace(tzinfo=UTC)
            number = file_number(row.process, created.astimezone(tz).year, row.id)
            values.append(
                {
                    "_id": row.id,
                    "file_number": number,
                    **derived(row.municipality, row.contact_name, row.owner, number),
                }
            )
        connection.execute(update, values)
        last, done = rows[-1].id, done + len(rows)
