"""How many engagements each stage has, without counting the table, and the owners
without reading every row: what the overview needs at 100 000 engagements.

`engagement_counts` holds one counter per (firm, process, stage) and slot, kept by
database triggers in the same transaction as every insert, delete and change of firm,
process or stage (migration 0021: whoever writes, the services or a Core bulk insert,
keeps it right). A count is the sum over its slots (PostgreSQL spreads concurrent
writers over 16 slots; SQLite uses one). The application never writes this table.

The firm is part of the key ('' for none), so a staff member of a firm can be shown their
firm's counts by adding `firm = …` to the same query.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlmodel import Field, Session, SQLModel, col

from service.engagements.models import Engagement


class EngagementCount(SQLModel, table=True):
    """A counter of engagements per firm, process and stage (kept by triggers)."""

    __tablename__ = "engagement_counts"

    firm: str = Field(primary_key=True, max_length=200)  # '' for none
    process: str = Field(primary_key=True, max_length=40)
    state: str = Field(primary_key=True, max_length=40)
    slot: int = Field(primary_key=True)
    n: int


def per_stage(
    session: Session, process: str | None = None, firm: str | None = None
) -> dict[str, int]:
    """Engagements per stage (of one process, or of all; of one firm, or of every firm),
    from the counters."""
    query = select(col(EngagementCount.state), func.sum(col(EngagementCount.n))).group_by(
        col(EngagementCount.state)
    )
    if process is not None:
        query = query.where(col(EngagementCount.process) == process)
    if firm is not None:
        query = query.where(col(EngagementCount.firm) == firm)
    return {state: int(n) for state, n in session.execute(query) if n}


# the next owner order key after :after: one index seek per owner (a loose index scan),
# the first and last spelling of that key by the (owner_key, owner) index beside it
_OWNER_KEYS = text(
    """
WITH RECURSIVE keys(k) AS (
    SELECT min(owner_key) FROM engagements
    UNION ALL
    SELECT (SELECT min(e.owner_key) FROM engagements e WHERE e.owner_key > keys.k)
    FROM keys WHERE keys.k IS NOT NULL
)
SELECT k,
    (SELECT min(e.owner) FROM engagements e WHERE e.owner_key = keys.k),
    (SELECT max(e.owner) FROM engagements e WHERE e.owner_key = keys.k)
FROM keys WHERE k IS NOT NULL LIMIT :limit
"""
)


def owners(session: Session, limit: int) -> list[tuple[str, str]]:
    """(order key, owner) pairs in index order, at most `limit` keys: a few index seeks
    per owner. A key spelt more than one way ("Referent 2", "referent 2") is rare; its
    spellings are read with a DISTINCT over that key's rows."""
    pairs: list[tuple[str, str]] = []
    for key, first, last in session.execute(_OWNER_KEYS, {"limit": limit}):
        if first == last:
            pairs.append((key, first))
            continue
        spellings = session.execute(
            select(col(Engagement.owner))
            .where(col(Engagement.owner_key) == key)
            .distinct()
            .order_by(col(Engagement.owner))
        ).scalars()
        pairs.extend((key, owner) for owner in spellings)
    return pairs[:limit]
