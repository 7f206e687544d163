"""The overview at 100 000 engagements (issue 16) reads kept counters and index ranges
instead of counting and sorting the table; these tests show it answers what the plain
queries answer. The counters (`engagement_counts`, kept by triggers of migration 0021)
equal a GROUP BY after creations, transitions, a process migration, a Core bulk insert,
changes of firm and deletions; the owners read by skipping through the index are the
DISTINCT owners; a page by deadline read as two index ranges is the page of the one
ORDER BY it replaces, across the boundary between dated and undated rows, both ways.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, literal_column, select, update
from sqlmodel import col

from service.core.context import Context
from service.engagements import counts, listing
from service.engagements.filters import EngagementFilters
from service.engagements.models import Engagement
from service.processes import migration
from service.web import queries
from tests.support import Api


def grouped(ctx: Context) -> dict[tuple[str, str, str], int]:
    """What the counters must say: a GROUP BY over the table."""
    firm = func.coalesce(col(Engagement.firm), literal_column("''"))
    with ctx.db.read() as session:
        rows = session.execute(
            select(
                firm,
                col(Engagement.process),
                col(Engagement.state),
                func.count(),
            ).group_by(
                firm,
                col(Engagement.process),
                col(Engagement.state),
            )
        )
        return {(f, p, s): int(n) for f, p, s, n in rows}


def kept(ctx: Context) -> dict[tuple[str, str, str], int]:
    """What the counters say, summed over their slots, without the zeros."""
    with ctx.db.read() as session:
        rows = session.execute(
            select(
                col(counts.EngagementCount.firm),
                col(counts.EngagementCount.process),
                col(counts.EngagementCount.state),
                func.sum(col(counts.EngagementCount.n)),
            ).group_by(
                col(counts.EngagementCount.firm),
                col(counts.EngagementCount.process),
                col(counts.EngagementCount.state),
            )
        )
        return {(f, p, s): int(n) for f, p, s, n in rows if n}


def assert_counts_right(ctx: Context) -> None:
    assert kept(ctx) == grouped(ctx)
    with ctx.db.read() as session:
        per_stage = counts.per_stage(session)
    by_stage: dict[str, int] = {}
    for (_firm, _process, state), n in grouped(ctx).items():
        by_stage[state] = by_stage.get(state, 0) + n
    assert per_stage == by_stage


def test_counters_follow_creations_transitions_changes_and_deletions(
    ctx: Context, staff: Api
) -> None:
    assert_counts_right(ctx)
    first = staff.engagement(owner="Referent 2")["id"]
    second = staff.engagement(owner="Referent 10")["id"]
    assert_counts_right(ctx)
    assert kept(ctx) == {("", "fokusberatung", "application"): 2}

    staff.ok(staff.fire(first, "approve"))
    assert_counts_right(ctx)
    assert kept(ctx)[("", "fokusberatung", "application")] == 1

    staff.ok(staff.fire(second, "reject", note="Unvollständig"))
    assert_counts_right(ctx)
    staff.ok(staff.patch(f"/api/v1/engagements/{first}", json={"owner": "Referent 3"}))
    assert_counts_right(ctx)

    with ctx.db.write() as session:  # a firm is set (issue 14's tenants)
        session.execute(
            update(Engagement).where(col(Engagement.id) == first).values(firm="Agentur Nord")
        )
    assert_counts_right(ctx)
    assert [firm for firm, _p, _s in kept(ctx) if firm] == ["Agentur Nord"]

    with ctx.db.write() as session:
        session.execute(delete(Engagement).where(col(Engagement.id) == second))
    assert_counts_right(ctx)
    with ctx.db.write() as session:
        session.execute(delete(Engagement).where(col(Engagement.id) == first))
    assert_counts_right(ctx)
    assert kept(ctx) == {}


def test_counters_follow_a_process_migration_and_a_bulk_insert(ctx: Context, staff: Api) -> None:
    from service.demo import load_bulk

    load_bulk(ctx, 300, batch=120)
    assert_counts_right(ctx)
    eid = staff.engagement()["id"]
    latest = ctx.registry.latest("fokusberatung")
    older = [p for p in ctx.registry.all() if p.name == latest.name and p.version < latest.version]
    if older:  # moving engagements between versions keeps the stage: counts stay right
        plan = migration.plan(ctx, latest.name, older[0].version, latest.version, {})
        migration.run(ctx, plan, engagement_ids=[eid], dry_run=False, actor="test")
        assert_counts_right(ctx)
    with ctx.db.write() as session:  # a stage renamed in bulk, as a migration's map does
        session.execute(
            update(Engagement)
            .where(col(Engagement.state) == "application")
            .values(state="kick_off", version=col(Engagement.version) + 1)
        )
    assert_counts_right(ctx)
    with ctx.db.write() as session:
        session.execute(delete(Engagement))
    assert kept(ctx) == {}


def test_owners_are_the_distinct_owners_in_natural_order(ctx: Context, staff: Api) -> None:
    for owner in ("Referent 10", "Referent 2", "referent 2", "Ärzteteam", "Bernd", None, "Bernd"):
        staff.engagement(owner=owner)
    with ctx.db.read() as session:
        shown = queries.owners(session)
        every = session.execute(
            select(col(Engagement.owner)).where(col(Engagement.owner).is_not(None)).distinct()
        ).scalars()
        from service.engagements import search

        assert shown == sorted(set(every), key=search.natural)
    assert shown == ["Ärzteteam", "Bernd", "Referent 2", "referent 2", "Referent 10"]


def test_a_page_by_deadline_is_the_page_of_the_single_order(ctx: Context, staff: Api) -> None:
    """Rows with and without deadlines (final stages), equal deadlines, every page size
    and offset across the boundary, ascending and descending."""
    ids = [staff.engagement(municipality=f"Ort {i}")["id"] for i in range(9)]
    for eid in ids[:3]:  # final: no deadline
        staff.ok(staff.fire(eid, "reject", note="Test"))
    now = ctx.clock.now()
    with ctx.db.write() as session:  # two share a deadline: ties by id
        session.execute(
            update(Engagement)
            .where(col(Engagement.id).in_(ids[4:6]))
            .values(stage_due_at=now + timedelta(days=3))
        )
    filters = EngagementFilters()
    with ctx.db.read() as session:
        for descending in (False, True):
            due, ident = col(Engagement.stage_due_at), col(Engagement.id)
            order = (
                (due.is_(None), due.desc(), ident.desc())
                if descending
                else (due.is_(None), due.asc(), ident.asc())
            )
            single = list(session.execute(select(col(Engagement.id)).order_by(*order)).scalars())
            assert sorted(single) == sorted(ids)
            for limit in (1, 2, 4, 9, 20):
                for offset in range(0, 12):
                    rows = listing.by_deadline(
                        session, select(Engagement), descending, limit, offset
                    )
                    assert [r.id for r in rows] == single[offset : offset + limit], (
                        descending,
                        limit,
                        offset,
                    )
        rows, total = listing.page(session, ctx, filters, limit=25, offset=0, sort="deadline")
        assert total == 9
        assert queries.stage_counts(session, filters, now, ctx.settings.tz) == {
            "application": 6,
            "rejected": 3,
        }


def test_due_within_counted_per_state_is_the_filters_count(ctx: Context, staff: Api) -> None:
    for state in ("BY", "BE", "HH", "NW"):
        staff.engagement(federal_state=state)
    now = ctx.clock.now()
    cases = [EngagementFilters(due_within=days) for days in (1, 5, 20, 60, 250)]
    # with another filter: the sum is built for it (no cached statement)
    cases += [EngagementFilters(due_within=days, stage="application") for days in (5, 60)]
    seen = []
    for filters in cases:
        with ctx.db.read() as session:
            plain = session.execute(
                filters.where(select(func.count()).select_from(Engagement), now, tz=ctx.settings.tz)
            ).scalar_one()
            assert queries.count(session, filters, now, ctx.settings.tz) == plain
            seen.append(plain)
    assert seen[0] == 0 and max(seen) == 4  # none due tomorrow, all within a year
