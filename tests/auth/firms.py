"""Two firms for the tenancy tests: each with an engagement and something of everything
an id can name (participant, workshop, measure, record with a file, consulting day,
calendar feed), keys for their staff, and a snapshot of every table to show that a
refused request changed nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from service.auth.keys import Role, create_key
from service.core.context import Context
from tests.support import ENGAGEMENT, Api

NORD = "Ingenieurbüro Nord"
SUED = "Klimabüro Süd"
MISSING = 999_999  # an id nothing has


@dataclass
class Firm:
    """One firm's staff key and the ids of its objects."""

    name: str
    staff: Api
    ids: dict[str, int]


def key(ctx: Context, name: str, role: Role, firm: str | None) -> str:
    with ctx.db.write() as session:
        _row, secret = create_key(session, ctx.clock, name=name, role=role, firm=firm)
    return secret


def build(client: TestClient, ctx: Context, admin: Api, firm: str, town: str) -> Firm:
    """An engagement of `firm` (created by the programme office's admin, who names the
    firm) with one of each child object; its staff key made the calendar feed."""
    staff = Api(client, key(ctx, f"Staff {town}", Role.staff, firm))
    eng = admin.engagement(
        municipality=f"Gemeinde {town}", contact_email=f"rathaus@{town.lower()}.example", firm=firm
    )
    eid = eng["id"]
    assert eng["firm"] == firm
    participant = admin.participant(eid, email=f"p@{town.lower()}.example")
    workshop = admin.workshop(eid)
    measure = admin.measure(eid)
    record = admin.created(
        admin.post(
            f"/api/v1/engagements/{eid}/records",
            data={"kind": "stocktaking", "date": "2026-03-01"},
            files={"file": ("bestand.pdf", b"%PDF-1.4 test", "application/pdf")},
        )
    )
    feed = staff.created(staff.post("/api/v1/calendar-feeds", json={"label": town}))
    return Firm(
        firm,
        staff,
        {
            "engagement_id": eid,
            "participant_id": participant["id"],
            "workshop_id": workshop["id"],
            "measure_id": measure["id"],
            "record_id": record["id"],
            "feed_id": feed["id"],
            "link_id": MISSING,  # checked through the path's engagement (tenancy.UNSCOPED)
        },
    )


def snapshot(ctx: Context) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order."""
    engine = ctx.db.engine
    tables: dict[str, list[tuple[Any, ...]]] = {}
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        for name, table in sorted(meta.tables.items()):
            rows = connection.execute(sa.select(table)).all()
            tables[name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def plain_engagement(**extra: Any) -> dict[str, Any]:
    return {**ENGAGEMENT, **extra}
