"""fokus's side of the peer comparison: the service layer's `transition`, in-process,
one write transaction per step as production runs it (Database.write: SQLite's BEGIN
IMMEDIATE, commit, the after-commit hooks), with the real Fokusberatung (version 1):
its guards read the engagement's facts, each step sets the stage deadline, refreshes the
milestones, writes a history row and queues the stage notices in the outbox (one
participant per engagement)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import col

from bench.peers.common import STEPS, Walk, timed
from service.core.context import Context
from service.core.migrate import upgrade
from service.core.settings import Settings
from service.engagements import search
from service.engagements import service as engagements
from service.engagements.models import Engagement
from service.engagements.schemas import EngagementCreate, TransitionRequest
from service.measures import service as measures
from service.measures.models import Measure
from service.measures.schemas import MeasureCreate, MeasureStatus, MeasureUpdate
from service.participants import service as participants
from service.participants.models import Participant
from service.participants.schemas import ParticipantCreate
from service.workshops import service as workshops
from service.workshops.models import Workshop
from service.workshops.schemas import WorkshopCreate

ACTOR = "bench"


def context(url: str, folder: Path) -> Context:
    settings = Settings(
        database_url=url,
        var_dir=folder / "var",
        secret_key="bench",
        mail_from="fokusberatung@agentur.example",
    )
    ctx = Context.from_settings(settings)
    upgrade(ctx.db)
    return ctx


def _template(ctx: Context) -> int:
    """One engagement made through the service layer with what its guards need on the
    way to completion: a participant, an ended workshop, five measures, one started."""
    with ctx.db.write() as session:
        engagement = engagements.create(
            session,
            ctx,
            EngagementCreate(
                municipality="Gemeinde Beispielstadt",
                applicant_type="municipality",
                federal_state="BY",
                contact_name="Anna Schmidt",
                contact_email="anna.schmidt@example.org",
                process_version=1,
            ),
        )
        eid = engagement.id
        assert eid is not None
        participants.create(
            session,
            ctx,
            eid,
            ParticipantCreate(name="Petra Klein", email="petra@example.org"),
            ACTOR,
        )
        start = (ctx.clock.now() - timedelta(days=30)).astimezone(ctx.settings.tz)
        workshops.create(
            session,
            ctx,
            eid,
            WorkshopCreate(
                title="Auftakt",
                starts_at=start.replace(tzinfo=None),
                ends_at=(start + timedelta(hours=2)).replace(tzinfo=None),
                location="Rathaus",
            ),
            ACTOR,
        )
        made = [
            measures.create(
                session,
                ctx,
                eid,
                MeasureCreate(title=f"Maßnahme {i}", action_area="mobility"),
                ACTOR,
            )
            for i in range(5)
        ]
        assert made[0].id is not None
        measures.change(
            session, ctx, made[0].id, MeasureUpdate(status=MeasureStatus.in_progress), ACTOR
        )
    return eid


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _rows(session: Any, model: Any, where: Any) -> list[dict[str, Any]]:
    table = _table(model)
    return [dict(row._mapping) for row in session.connection().execute(select(table).where(where))]


def seed(ctx: Context, instances: int) -> list[int]:
    """`instances` engagements in `application`, each a copy of the template's rows
    (Core inserts: the set-up is not what is measured); returns their ids."""
    template = _template(ctx)
    with ctx.db.write() as session:
        connection = session.connection()
        (engagement,) = _rows(session, Engagement, _table(Engagement).c.id == template)
        children = [
            (model, _rows(session, model, _table(model).c.engagement_id == template))
            for model in (Participant, Workshop, Measure)
        ]
        del engagement["id"]
        rows = []
        for i in range(instances):
            number = f"FB-BENCH-{i:06d}"
            rows.append(
                {
                    **engagement,
                    "file_number": number,
                    "public_slug": None,
                    **search.derived(
                        engagement["municipality"],
                        engagement["contact_name"],
                        engagement["owner"],
                        number,
                    ),
                }
            )
        table = _table(Engagement)
        ids = list(
            connection.execute(
                table.insert().returning(table.c.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
        for model, template_rows in children:
            copies = []
            for eid in ids:
                for row in template_rows:
                    copy = {k: v for k, v in row.items() if k != "id"}
                    copy["engagement_id"] = eid
                    if model is Workshop:
                        copy["uid"] = f"workshop-{uuid.uuid4()}@agentur.example"
                    copies.append(copy)
            connection.execute(_table(model).insert(), copies)
    return ids


def walk(ctx: Context, ids: list[int]) -> int:
    """Every step for every engagement, step by step (as cases move in a programme)."""
    count = 0
    for trigger, _source, _dest in STEPS:
        request = TransitionRequest(trigger=trigger)
        for eid in ids:
            with ctx.db.write() as session:
                engagements.transition(session, ctx, eid, request, ACTOR)
            count += 1
    return count


def run(url: str, folder: Path, database: str, instances: int) -> Walk:
    ctx = context(url, folder)
    try:
        ids = seed(ctx, instances)
        result = timed("fokus", database, instances, lambda: walk(ctx, ids))
        with ctx.db.read() as session:
            states = set(
                session.execute(
                    select(col(Engagement.state)).where(col(Engagement.id).in_(ids))
                ).scalars()
            )
        if states != {STEPS[-1][2]}:
            raise RuntimeError(f"fokus: engagements ended in {states}, not completed")
        return result
    finally:
        ctx.db.dispose()
