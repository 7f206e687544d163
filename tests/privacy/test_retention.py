"""The retention sweep: on a clock moved 25 months, exactly the participants of
engagements final for longer than FOKUS_RETENTION_MONTHS (24) are erased; those of an
engagement final for 23 months and of an active one stay. Two sweeps at once erase once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import select

from service.core.clock import MovableClock
from service.core.context import Context
from service.engagements.models import HistoryEntry
from service.mail.dispatch import dispatch
from service.privacy.retention import sweep_retention
from tests.privacy.conftest import traces
from tests.support import Api

MONTH = timedelta(days=31)


def _with_people(staff: Api, municipality: str, *people: str) -> int:
    eid: int = staff.engagement(municipality=municipality)["id"]
    for name in people:
        email = name.lower().replace(" ", ".") + "@example.org"
        staff.participant(eid, name=name, email=email)
    return eid


def _names(staff: Api, eid: int) -> list[str]:
    return [p["name"] for p in staff.ok(staff.get(f"/api/v1/engagements/{eid}/participants"))]


def test_sweep_on_a_clock_moved_25_months(ctx: Context, clock: MovableClock, staff: Api) -> None:
    old = _with_people(staff, "Markt Grünau", "Petra Klein", "Jürgen Größe-Weiß")
    rejected = _with_people(staff, "Stadt Nordheim", "Zoë Ünal")
    staff.ok(staff.fire(old, "withdraw", note="Petra Klein hat abgesagt"))
    staff.ok(staff.fire(rejected, "reject"))
    staff.workshop(old, starts_at="2026-03-03T17:00:00", ends_at="2026-03-03T20:00:00")
    dispatch(ctx)  # the stage notices went out: their delivery records name the people
    clock.advance(2 * MONTH)
    recent = _with_people(staff, "Gemeinde Südhausen", "Max Mustermann")
    staff.ok(staff.fire(recent, "withdraw"))
    active = _with_people(staff, "Gemeinde Beispielstadt", "Erika Musterfrau")

    clock.advance(23 * MONTH)  # old: final for 25 months, recent: for 23
    result = sweep_retention(ctx)

    assert (result.engagements, result.participants) == (2, 3)
    assert _names(staff, old) == [] and _names(staff, rejected) == []
    assert _names(staff, recent) == ["Max Mustermann"]
    assert _names(staff, active) == ["Erika Musterfrau"]
    for gone in ("Petra Klein", "petra.klein@example.org", "Jürgen Größe-Weiß", "Zoë Ünal"):
        assert traces(ctx, gone) == [], gone
    assert traces(ctx, "Max Mustermann") and traces(ctx, "erika.musterfrau@example.org")
    # the case files stay, with an anonymous note of what happened
    assert staff.ok(staff.get(f"/api/v1/engagements/{old}"))["state"] == "withdrawn"
    entries = staff.ok(staff.get(f"/api/v1/engagements/{old}/history"))
    assert [e["summary_en"] for e in entries if e["action"] == "retention"] == [
        "Participants' data erased after the retention period (2 people)"
    ]

    assert sweep_retention(ctx).engagements == 0  # nothing left to do
    clock.advance(MONTH)  # recent is now final for 24 months and a bit
    assert sweep_retention(ctx).participants == 1 and _names(staff, recent) == []
    assert _names(staff, active) == ["Erika Musterfrau"]


def test_two_sweeps_at_once_erase_once(ctx: Context, clock: MovableClock, staff: Api) -> None:
    eids = [_with_people(staff, f"Gemeinde {i}", f"Person Nummer {i}") for i in range(6)]
    for eid in eids:
        staff.ok(staff.fire(eid, "withdraw"))
    clock.advance(25 * MONTH)
    totals: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        totals.append(sweep_retention(ctx).engagements)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(totals) == len(eids)
    with ctx.db.read() as session:
        notes = session.exec(select(HistoryEntry).where(HistoryEntry.action == "retention")).all()
        assert sorted(n.engagement_id for n in notes) == eids
