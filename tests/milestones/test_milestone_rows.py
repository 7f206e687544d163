"""A milestone missed produces exactly one escalation, then a weekly repeat, and the
overdue view lists it with `reason: "milestone"` (issue 11); the rows behind
`GET /api/v1/engagements/{id}/milestones` follow the funding period, the records and the
stage. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import httpx

from service.core.clock import MovableClock
from service.core.context import Context
from service.milestones.jobs import SWEEPS, sweep_all
from tests.conftest import BERLIN
from tests.deadlines.conftest import SUPERVISORS, outbox
from tests.milestones.conftest import record_grant, set_funding
from tests.support import Api

MILESTONE_KINDS = ("milestone_reminder", "milestone_escalation")


def _mails(ctx: Context) -> Counter[str]:
    return Counter(m.kind for m in outbox(ctx) if m.kind in MILESTONE_KINDS)


def _v2(staff: Api, **overrides: object) -> int:
    return int(staff.engagement(process_version=2, **overrides)["id"])


def _put_grant(api: Api, eid: int, body: dict[str, object]) -> httpx.Response:
    return api.client.put(f"/api/v1/engagements/{eid}/grant", headers=api.headers, json=body)


def _milestones(api: Api, eid: int) -> dict[str, dict[str, object]]:
    return {m["name"]: m for m in api.ok(api.get(f"/api/v1/engagements/{eid}/milestones"))}


def test_a_missed_milestone_escalates_once_then_weekly_and_is_listed_as_overdue(
    staff: Api, supervisor: Api, ctx: Context, clock: MovableClock
) -> None:
    eid = _v2(staff)
    shown = _milestones(staff, eid)
    assert list(shown) == ["funding_end", "proof_of_use"]
    assert all(m["due_at"] is None and m["overdue"] is False for m in shown.values())

    record_grant(ctx, eid, date(2026, 3, 2), date(2026, 12, 31))
    staff.ok(staff.fire(eid, "approve"))  # the funding period is set: the rows are computed
    engagement = staff.ok(staff.get(f"/api/v1/engagements/{eid}"))
    ends = datetime.fromisoformat(engagement["funding_ends_at"])
    shown = _milestones(staff, eid)
    assert datetime.fromisoformat(str(shown["funding_end"]["due_at"])) == ends
    assert shown["proof_of_use"]["due_at"] is not None
    assert shown["funding_end"]["done_at"] is None

    # a day before the end: one reminder to the contact, nothing else, however often swept
    clock.set(ends - timedelta(days=1))
    for _ in range(2):
        sweep_all(ctx)
    assert _mails(ctx) == {"milestone_reminder": 1}
    reminder = outbox(ctx, "milestone_reminder")[0]
    assert reminder.to == "Anna Schmidt <anna.schmidt@example.org>"
    assert "Ende des Bewilligungszeitraums" in reminder.subject
    assert ends.strftime("%d.%m.%Y") in reminder.text

    # missed: exactly one escalation, the sweep run twice with the clock moved in between
    clock.set(ends + timedelta(hours=1))
    sweep_all(ctx)
    clock.advance(days=2)
    sweep_all(ctx)
    assert _mails(ctx) == {"milestone_reminder": 1, "milestone_escalation": 1}
    escalation = outbox(ctx, "milestone_escalation")[0]
    assert escalation.to == SUPERVISORS[0]
    assert escalation.engagement_id == eid
    assert "Gemeinde Beispielstadt" in escalation.subject
    assert "Ende des Bewilligungszeitraums" in escalation.text

    response = supervisor.get("/api/v1/overdue")
    items = supervisor.ok(response)
    late = [i for i in items if i["reason"] == "milestone"]
    assert [(i["id"], i["milestone"]) for i in late] == [(eid, "funding_end")]
    assert datetime.fromisoformat(late[0]["stage_due_at"]) == ends
    assert late[0]["days_overdue"] == 3  # 00:59 the day after the end, plus two days
    stages = [i for i in items if i["reason"] == "stage"]
    assert all(i["milestone"] is None for i in stages)
    assert response.headers["X-Total-Count"] == str(len(items))
    assert _milestones(staff, eid)["funding_end"]["overdue"] is True

    # weekly while it stays overdue, and a restarted process sends nothing twice
    clock.set(ends + timedelta(days=7, hours=2))
    for _ in range(2):
        fresh = Context.from_settings(ctx.settings, clock=ctx.clock)
        try:
            for sweep in SWEEPS:
                sweep.run(fresh)
        finally:
            fresh.db.dispose()
    assert _mails(ctx) == {"milestone_reminder": 1, "milestone_escalation": 2}
    second = outbox(ctx, "milestone_escalation")[1]
    assert "2. Hinweis" in second.subject


def test_the_overdue_view_pages_over_stages_and_milestones_most_overdue_first(
    staff: Api, supervisor: Api, ctx: Context, clock: MovableClock
) -> None:
    # now: Monday 2 March 2026; one engagement with a missed funding end (and its
    # application deadline, 30 March, not yet due), one with a missed stage deadline
    late_milestone = _v2(staff, municipality="Altdorf", owner="Lena Vogel")
    late_stage = _v2(staff, municipality="Neustadt")
    set_funding(
        ctx,
        late_milestone,
        datetime(2024, 3, 1, tzinfo=BERLIN),
        datetime(2026, 2, 27, 23, 59, 59, tzinfo=BERLIN),
    )
    staff.ok(
        staff.patch(
            f"/api/v1/engagements/{late_stage}/deadline",
            json={"due_at": "2026-02-25", "reason": "Test"},
        )
    )

    def page(query: str = "") -> tuple[list[tuple[int, str, str | None]], str]:
        response = supervisor.get(f"/api/v1/overdue{query}")
        items = supervisor.ok(response)
        return (
            [(i["id"], i["reason"], i["milestone"]) for i in items],
            response.headers["X-Total-Count"],
        )

    assert page() == (
        [(late_stage, "stage", None), (late_milestone, "milestone", "funding_end")],
        "2",
    )
    assert page("?limit=1&offset=1") == ([(late_milestone, "milestone", "funding_end")], "2")
    assert page("?owner=Lena%20Vogel") == ([(late_milestone, "milestone", "funding_end")], "1")
    assert page("?state=contracting") == ([], "0")

    # a milestone reached (the funding end, by the stage "reporting") leaves the list
    set_funding(
        ctx,
        late_milestone,
        datetime(2024, 3, 1, tzinfo=BERLIN),
        datetime(2026, 2, 27, 23, 59, 59, tzinfo=BERLIN),
        state="reporting",
    )
    assert page() == ([(late_stage, "stage", None)], "1")
    shown = _milestones(staff, late_milestone)
    assert shown["funding_end"]["done_at"] is not None
    assert shown["funding_end"]["overdue"] is False
    # the proof of use falls due 6 months after the end, moved past a weekend
    assert shown["proof_of_use"]["due_at"] == "2026-08-27T23:59:59+02:00"


def test_a_record_marks_its_milestone_done_and_a_final_engagement_is_not_swept(
    staff: Api, supervisor: Api, ctx: Context, clock: MovableClock
) -> None:
    done = _v2(staff)
    withdrawn = _v2(staff)
    for eid in (done, withdrawn):
        set_funding(
            ctx,
            eid,
            datetime(2024, 9, 1, tzinfo=BERLIN),
            datetime(2026, 2, 28, 23, 59, 59, tzinfo=BERLIN),
            state="reporting",
        )
    staff.created(
        staff.post(
            f"/api/v1/engagements/{done}/records",
            json={"kind": "proof_of_use", "date": "2026-03-02"},
        )
    )
    staff.ok(staff.fire(withdrawn, "withdraw", note="Gemeinderat hat abgelehnt"))

    proof = _milestones(staff, done)["proof_of_use"]
    assert proof["done_at"] == "2026-03-02T09:00:00+01:00"  # when it was recorded
    # 28 August 2026 (Friday) is 6 months after the end of 28 February
    assert proof["due_at"] == "2026-08-28T23:59:59+02:00"

    clock.set(datetime(2026, 9, 15, 9, 0, tzinfo=BERLIN))  # both proofs past due
    sweep_all(ctx)
    assert _mails(ctx) == {}
    assert _milestones(staff, withdrawn)["proof_of_use"]["overdue"] is False
    items = supervisor.ok(supervisor.get("/api/v1/overdue"))
    assert [i for i in items if i["reason"] == "milestone"] == []


def test_an_extended_funding_period_moves_the_milestones_and_rearms_them(
    staff: Api, ctx: Context, clock: MovableClock
) -> None:
    eid = _v2(staff)
    notice = {
        "funding_reference": "67K12345",
        "notice_date": "2026-03-02",
        "period_start": "2026-03-02",
        "period_end": "2027-07-31",  # a Saturday
        "eligible_costs": 20000,
        "grant_amount": 16000,
        "funding_rate_percent": 80,
    }
    staff.ok(_put_grant(staff, eid, notice))
    staff.ok(staff.fire(eid, "approve"))
    shown = _milestones(staff, eid)
    assert shown["funding_end"]["due_at"] == "2027-07-31T23:59:59+02:00"  # not moved
    assert shown["proof_of_use"]["due_at"] == "2028-01-31T23:59:59+01:00"

    # the reminder before the old end goes out; the extension re-arms it for the new end
    clock.set(datetime(2027, 7, 30, 9, 0, tzinfo=BERLIN))
    sweep_all(ctx)
    assert _mails(ctx) == {"milestone_reminder": 1}
    extended = {**notice, "period_end": "2027-10-31", "reason": "Verlängert bis 31.10.2027"}
    staff.ok(_put_grant(staff, eid, extended))
    shown = _milestones(staff, eid)
    assert shown["funding_end"]["due_at"] == "2027-10-31T23:59:59+01:00"  # a Sunday: stays
    # 30 April 2028 is a Sunday, 1 May a holiday
    assert shown["proof_of_use"]["due_at"] == "2028-05-02T23:59:59+02:00"
    clock.set(datetime(2027, 8, 2, 9, 0, tzinfo=BERLIN))  # past the old end
    sweep_all(ctx)
    assert _mails(ctx) == {"milestone_reminder": 1}
    assert _milestones(staff, eid)["funding_end"]["overdue"] is False
    clock.set(datetime(2027, 10, 29, 9, 0, tzinfo=BERLIN))
    sweep_all(ctx)
    assert _mails(ctx) == {"milestone_reminder": 2}
