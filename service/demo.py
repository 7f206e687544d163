"""Demo data: a handful of realistic engagements, or many for benchmarks (bulk inserts,
not HTTP, so 100 000 load in seconds)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from service.consulting import service as consulting
from service.consulting.schemas import ConsultingDayCreate
from service.core.context import Context
from service.engagements import schedule, search
from service.engagements import service as engagements
from service.engagements.models import Engagement
from service.engagements.schemas import EngagementCreate, TransitionRequest
from service.grants import service as grants
from service.grants.schemas import GrantPut
from service.measures import service as measures
from service.measures.schemas import MeasureCreate
from service.participants import service as participants
from service.participants.schemas import ParticipantCreate
from service.records import service as records
from service.records.schemas import RecordCreate
from service.workshops import service as workshops
from service.workshops.schemas import WorkshopCreate
from workflows.calendar import FEDERAL_STATES, add_months

DEMO = [
    ("Gemeinde Beispielstadt", "BY", "Anna Schmidt"),
    ("Stadt Musterhausen", "NW", "Jonas Becker"),
    ("Landkreis Sonnental", "SN", "Miriam Wolf"),
    ("Stadtwerke Grünau GmbH", "NI", "Deniz Yilmaz"),
]
# two consultancies (tenants) share the demo; Altheim belongs to none (the programme office)
FIRMS = ("Ingenieurbüro Nord", "Klimabüro Süd")
MEASURES = (
    ("LED-Straßenbeleuchtung", "street_lighting"),
    ("Radverkehrskonzept", "mobility"),
    ("PV auf Schuldächern", "energy_supply"),
    ("Energieberatung für Haushalte", "households"),
    ("Kommunale Wärmeplanung", "heat"),
)


def load_demo(ctx: Context) -> str:
    """Four Fokusberatungen (version 2) at different stages, a Klimaschutzmanagement
    under way, and one engagement still on version 1 (to try `fokus process migrate`);
    they belong to two firms (`FIRMS`), the last one to none."""
    created: list[int] = []
    with ctx.db.write() as session:
        demo = _Demo(session, ctx)
        for index, (name, state, contact) in enumerate(DEMO):
            company = name.endswith("GmbH")
            eid = demo.engagement(
                {
                    "municipality": name,
                    "applicant_type": "municipal_company" if company else "municipality",
                    "municipal_share_percent": 51 if company else None,
                    "federal_state": state,
                    "contact_name": contact,
                    "contact_email": f"klimaschutz{index}@example.org",
                    "owner": ["Lena Vogel", "Tom Berger"][index % 2],
                    "firm": FIRMS[index % 2],
                }
            )
            created.append(eid)
            if index == 0:
                continue  # an application waiting for its grant notice
            demo.grant(eid, f"67K1{index:04d}", months=18)
            demo.fire(eid, "approve")
            demo.record(eid, "consultant_contract", days_ago=25)
            demo.fire(eid, "start_onboarding")
            demo.people(eid)
            if index == 1:
                continue  # onboarding: the stock-taking is still missing
            demo.record(eid, "stocktaking", days_ago=20)
            demo.fire(eid, "start_workshops")
            demo.workshop(eid, days_ago=7)
            demo.consulting(eid, days_ago=20, days=2, mode="on_site")
            for title, area in MEASURES:
                demo.measure(eid, title, area)
            if index == 2:
                continue  # workshops: the guiding vision is next
            demo.fire(eid, "draft_vision")
            demo.fire(eid, "adopt_vision")
            demo.fire(eid, "skip_resolution", note="Der Aufsichtsrat tagt im nächsten Quartal.")
        ksm = demo.engagement(
            {
                "process": "klimaschutzmanagement",
                "municipality": "Markt Lindenau",
                "applicant_type": "municipality",
                "federal_state": "BY",
                "contact_name": "Sabine Ott",
                "contact_email": "klimaschutz@lindenau.example.org",
                "owner": "Lena Vogel",
                "firm": FIRMS[0],
            }
        )
        created.append(ksm)
        demo.grant(ksm, "67K20001", months=24, grant_amount=112_000, eligible_costs=160_000)
        demo.fire(ksm, "approve")
        demo.record(ksm, "manager_hired", days_ago=10)
        demo.fire(ksm, "hire_manager")
        old = demo.engagement(
            {
                "process_version": 1,
                "municipality": "Gemeinde Altheim",
                "applicant_type": "municipality",
                "federal_state": "HE",
                "contact_name": "Paul Roth",
                "contact_email": "klimaschutz@altheim.example.org",
            }
        )
        created.append(old)
        demo.fire(old, "approve")
    return f"demo: {len(created)} engagements (ids {', '.join(map(str, created))})"


class _Demo:
    """Drives the use cases as the API would, dated relative to today."""

    actor = "demo"

    def __init__(self, session: Session, ctx: Context) -> None:
        self.session = session
        self.ctx = ctx
        self.today = ctx.clock.now().astimezone(ctx.settings.tz).date()

    def _day(self, days_ago: int) -> str:
        return (self.today - timedelta(days=days_ago)).isoformat()

    def engagement(self, data: dict[str, Any]) -> int:
        created = engagements.create(self.session, self.ctx, EngagementCreate.model_validate(data))
        assert created.id is not None
        return created.id

    def fire(self, eid: int, trigger: str, note: str | None = None) -> None:
        request = TransitionRequest(trigger=trigger, note=note)
        engagements.fire(self.session, self.ctx, eid, request, self.actor)

    def grant(
        self,
        eid: int,
        reference: str,
        *,
        months: int,
        grant_amount: float = 19_500,
        eligible_costs: float = 30_000,
    ) -> None:
        start = self.today - timedelta(days=30)
        end = add_months(start, months) - timedelta(days=1)
        data = GrantPut.model_validate(
            {
                "funding_reference": reference,
                "notice_date": self._day(35),
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "eligible_costs": eligible_costs,
                "grant_amount": grant_amount,
                "funding_rate_percent": round(100 * grant_amount / eligible_costs, 1),
            }
        )
        grants.put(self.session, self.ctx, eid, data, self.actor)

    def record(self, eid: int, kind: str, *, days_ago: int) -> None:
        data = RecordCreate.model_validate({"kind": kind, "date": self._day(days_ago)})
        records.add(self.session, self.ctx, eid, data, None, self.actor)

    def people(self, eid: int) -> None:
        for who, org in (("Petra Klein", "Bauamt"), ("Ömer Şahin", "Stadtwerke")):
            email = f"{who.split()[0].lower()}.{eid}@example.org".replace("ö", "oe")
            participants.create(
                self.session,
                self.ctx,
                eid,
                ParticipantCreate(name=who, email=email, organisation=org),
                self.actor,
            )

    def workshop(self, eid: int, *, days_ago: int) -> None:
        tz = self.ctx.settings.tz
        starts = datetime.combine(self.today - timedelta(days=days_ago), time(17, 0), tzinfo=tz)
        data = WorkshopCreate.model_validate(
            {
                "title": "Auftaktworkshop Klimaschutz",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                "location": "Rathaus, Sitzungssaal",
            }
        )
        workshops.create(self.session, self.ctx, eid, data, self.actor)

    def consulting(self, eid: int, *, days_ago: int, days: float, mode: str) -> None:
        data = ConsultingDayCreate.model_validate(
            {
                "date": self._day(days_ago),
                "days": days,
                "mode": mode,
                "consultant": "Jan Berater",
                "activity": "Bestandsaufnahme vor Ort",
            }
        )
        consulting.add(self.session, self.ctx, eid, data, self.actor)

    def measure(self, eid: int, title: str, area: str) -> None:
        data = MeasureCreate.model_validate({"title": title, "action_area": area})
        measures.create(self.session, self.ctx, eid, data, self.actor)


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
            # file numbers need the ids: this batch's, with their search columns
            search.fill(session.connection(), settings.tz)
        done += len(rows)
    return f"bulk: {count} engagements inserted"
