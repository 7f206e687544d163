"""Demo data: a handful of realistic engagements, or many for benchmarks (bulk inserts,
not HTTP, so 100 000 load in seconds)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert

from service.core.context import Context
from service.engagements import schedule
from service.engagements import service as engagements
from service.engagements.models import Engagement
from service.engagements.schemas import EngagementCreate, TransitionRequest
from service.measures import service as measures
from service.measures.schemas import MeasureCreate
from service.participants import service as participants
from service.participants.schemas import ParticipantCreate
from service.workshops import service as workshops
from service.workshops.schemas import WorkshopCreate
from workflows.calendar import FEDERAL_STATES

DEMO = [
    ("Gemeinde Beispielstadt", "BY", "Anna Schmidt"),
    ("Stadt Musterhausen", "NW", "Jonas Becker"),
    ("Landkreis Sonnental", "SN", "Miriam Wolf"),
    ("Stadtwerke Grünau GmbH", "NI", "Deniz Yilmaz"),
]


def load_demo(ctx: Context) -> str:
    actor = "demo"
    created = []
    with ctx.db.write() as session:
        for index, (name, state, contact) in enumerate(DEMO):
            company = name.endswith("GmbH")
            engagement = engagements.create(
                session,
                ctx,
                EngagementCreate.model_validate(
                    {
                        "municipality": name,
                        "applicant_type": "municipal_company" if company else "municipality",
                        "municipal_share_percent": 51 if company else None,
                        "federal_state": state,
                        "contact_name": contact,
                        "contact_email": f"klimaschutz{index}@example.org",
                        "owner": ["Lena Vogel", "Tom Berger"][index % 2],
                    }
                ),
            )
            eid = engagement.id
            assert eid is not None
            created.append(eid)
            if index == 0:
                continue
            engagements.fire(session, ctx, eid, TransitionRequest(trigger="approve"), actor)
            for who, org in (("Petra Klein", "Bauamt"), ("Ömer Şahin", "Stadtwerke")):
                participants.create(
                    session,
                    ctx,
                    eid,
                    ParticipantCreate(
                        name=who,
                        email=f"{who.split()[0].lower()}.{eid}@example.org".replace("ö", "oe"),
                        organisation=org,
                    ),
                )
            if index == 1:
                continue
            engagements.fire(session, ctx, eid, TransitionRequest(trigger="start_workshops"), actor)
            now = ctx.clock.now()
            workshops.create(
                session,
                ctx,
                eid,
                WorkshopCreate(
                    title="Auftaktworkshop Klimaschutz",
                    starts_at=now - timedelta(days=7),
                    ends_at=now - timedelta(days=7) + timedelta(hours=3),
                    location="Rathaus, Sitzungssaal",
                ),
            )
            for title, area in (
                ("LED-Straßenbeleuchtung", "municipal_buildings"),
                ("Radverkehrskonzept", "mobility"),
                ("PV auf Schuldächern", "energy_supply"),
                ("Energieberatung für Haushalte", "households"),
                ("Klimaschutz-Newsletter", "public_outreach"),
            ):
                measures.create(
                    session,
                    ctx,
                    eid,
                    MeasureCreate(title=title, action_area=area),
                )
    return f"demo: {len(created)} engagements (ids {', '.join(map(str, created))})"


def load_bulk(ctx: Context, count: int, *, seed: int = 7, batch: int = 5_000) -> str:
    """`count` engagements spread over the active stages, about a third of them overdue.

    Core `INSERT … VALUES` with executemany in batches of `batch` rows, one transaction
    per batch; no ORM objects. The sweep bookkeeping is filled in as a real transition
    would (reminder, escalation, funding warning), so a scheduler started on this data
    behaves as after downtime: one catch-up message per due row."""
    rng = random.Random(seed)
    now = ctx.clock.now()
    settings = ctx.settings
    process = ctx.process
    states = process.active_states
    codes = list(FEDERAL_STATES)
    owners = [f"Referent {i}" for i in range(1, 21)]
    period = timedelta(days=settings.funding_period_months * 30)
    table = Engagement.__table__  # type: ignore[attr-defined]
    done = 0
    while done < count:
        rows: list[dict[str, Any]] = []
        for i in range(done, min(count, done + batch)):
            code = codes[i % len(codes)]
            state = rng.choice(states)
            entered = now - timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 600))
            due = entered + timedelta(days=rng.randint(30, 250))
            due = schedule.normalise_deadline(due, code, settings)
            ends = None if state == "application" else entered + period
            rows.append(
                {
                    "municipality": f"Bulkgemeinde {i + 1}",
                    "applicant_type": "municipality",
                    "federal_state": code,
                    "contact_name": "Kontakt",
                    "contact_email": f"kontakt{i + 1}@example.org",
                    "language": "de",
                    "owner": rng.choice(owners),
                    "process": process.name,
                    "process_version": process.version,
                    "state": state,
                    "version": 1,
                    "stage_entered_at": entered,
                    **schedule.deadline_fields(due, code, settings, now),
                    "funding_starts_at": None if ends is None else entered,
                    "funding_ends_at": ends,
                    "next_funding_warning_at": (
                        None if ends is None else schedule.next_funding_warning(ends, 0)
                    ),
                    "funding_warnings_sent": 0,
                    "created_at": entered,
                    "updated_at": entered,
                }
            )
        with ctx.db.write() as session:
            # Core, not the ORM bulk path: that splits rows into one INSERT per None pattern
            session.connection().execute(insert(table), rows)
        done += len(rows)
    return f"bulk: {count} engagements inserted"
