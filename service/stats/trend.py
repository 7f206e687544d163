"""The overdue trend's past: the week ends it is counted at, and the stays that had
ended by then but were past their stage's approximate deadline (service/stats/service.py
explains the approximation)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, String, and_, case, func, literal, select, union_all
from sqlmodel import Session

from service.core.context import Context

TREND_WEEKS = 12
SECONDS_PER_DAY = 86_400.0


def points(ctx: Context, now: datetime) -> list[tuple[str, datetime]]:
    """The ends (Monday 00:00 local) of the 11 weeks before this one, and now for this
    week, each with its ISO week."""
    tz = ctx.settings.tz
    local = now.astimezone(tz)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time())
    this_week_start = monday.replace(tzinfo=tz)
    points = []
    for back in range(TREND_WEEKS - 1, 0, -1):
        end = this_week_start - timedelta(weeks=back - 1)
        year, week, _ = (end - timedelta(days=1)).isocalendar()
        points.append((f"{year}-W{week:02d}", end))
    year, week, _ = local.isocalendar()
    points.append((f"{year}-W{week:02d}", now))
    return points


def ended_overdue(ctx: Context, session: Session, stays: Any, points: list[datetime]) -> list[int]:
    """For each point, the ended stays that were past their approximate deadline then
    (deadline < point < left), the deadline being the stay's start plus its stage's
    target (joined from a small table of the registered stages). One pass in SQL
    gives each stay the first and the last point it counts at, grouped: at most 13 × 13
    rows, summed up here."""
    rows = [
        (p.name, p.version, s, days)
        for p in ctx.registry.all()
        for s in p.active_states
        if (days := _target_days(ctx, p.name, p.version, s)) is not None
    ]
    counts = [0] * len(points)
    if not points or not rows:
        return counts
    # UNION ALL of SELECTs: SQLite has no column names for a VALUES list in FROM
    targets = union_all(
        *(
            select(
                literal(name, String).label("process"),
                literal(version, Integer).label("version"),
                literal(stage, String).label("stage"),
                literal(days, Float).label("days"),
            )
            for name, version, stage, days in rows
        )
    ).subquery("targets")
    due = stays.c.entered + targets.c.days
    moments = [at.timestamp() / SECONDS_PER_DAY for at in points]
    # points at or before the deadline, and points before leaving: it counts at those between
    first = sum((case((due < moment, 0), else_=1) for moment in moments), start=literal(0))
    last = sum((case((stays.c.left > moment, 1), else_=0) for moment in moments), start=literal(0))
    grouped = session.execute(
        select(first.label("first"), last.label("last"), func.count())
        .select_from(stays)
        .join(
            targets,
            and_(
                targets.c.process == stays.c.process,
                targets.c.version == stays.c.version,
                targets.c.stage == stays.c.stage,
            ),
        )
        .where(stays.c.left > moments[0])
        .group_by(first, last)
    )
    for begin, end, count in grouped:
        for index in range(int(begin), int(end)):
            counts[index] += int(count)
    return counts


def _target_days(ctx: Context, process: str, version: int, stage: str) -> float | None:
    """The stage's target in calendar days (working days × 7/5, rounded up), or None."""
    if not ctx.registry.knows(process, version):
        return None
    definition = ctx.registry.get(process, version)
    if not definition.has_stage(stage) or definition.is_final(stage):
        return None
    working_days = ctx.settings.deadline_working_days(definition, stage)
    return None if working_days is None else float(math.ceil(working_days * 7 / 5))
