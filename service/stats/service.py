"""The portfolio statistics, computed as one snapshot.

Why a snapshot with a short-lived cache rather than queries per request: the counts are
aggregates over every engagement (GROUP BY process, stage; COUNT over the due index), and
the medians and the overdue trend read the whole history. Each is cheap enough once a
minute, none is free per request at 100 000 engagements (bench/stats.py). So a snapshot
is computed at most once per FOKUS_STATS_CACHE_SECONDS per process; while a fresh one is
computed in a background thread the previous one is served, so only the very first
request waits. Writes do not invalidate it: the answer says when it was computed
(`generated_at`). FOKUS_STATS_CACHE_SECONDS=0 computes it on every request.

The overdue trend is an approximation (docs/api.md, "Statistics"): a stay that is still
running is judged by the deadline it has now (a deadline moved later also moves the
past), a stay that has ended by its stage's target counted from its start in calendar
days (working days × 7/5, holidays ignored), since the history does not keep deadlines.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from collections import defaultdict
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlmodel import Session, col

from service.consulting.models import ConsultingDay
from service.consulting.service import BUDGET_DAYS
from service.core.context import Context
from service.core.db import Database
from service.engagements.models import Engagement, HistoryEntry
from service.stats.schemas import ConsultingShare, ConsultingUse, StatsPublic, TrendPoint

log = logging.getLogger(__name__)

TREND_WEEKS = 12
FUNDING_WINDOW = timedelta(days=90)
SECONDS_PER_DAY = 86_400.0
JULIAN_EPOCH = 2_440_587.5  # julianday('1970-01-01')
# (label, lowest share in percent) of the consulting-budget buckets, highest first
SHARE_BUCKETS = (("100", 100.0), ("75-99", 75.0), ("50-74", 50.0), ("25-49", 25.0), ("1-24", 0.0))


def compute(ctx: Context) -> StatsPublic:
    """One snapshot, read in one read unit of work: on SQLite one consistent view; on
    PostgreSQL (read committed) a write landing between two of its queries may show in one
    figure and not yet in another, until the next snapshot."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        by_process = _by_process(session, ctx)
        overdue = _count_overdue(session, now)
        finals = sorted({s for p in ctx.registry.all() for s in p.final_states})
        funding = session.execute(
            select(func.count())
            .select_from(Engagement)
            .where(
                col(Engagement.funding_ends_at) >= now,
                col(Engagement.funding_ends_at) < now + FUNDING_WINDOW,
                col(Engagement.state).not_in(finals),
            )
        ).scalar_one()
        stays = _completed_stays(ctx.db)
        medians = _medians(session, stays)
        consulting = _consulting(session, finals)
        points = _trend_points(ctx, now)
        current = [_count_overdue(session, at) for _week, at in points]
        ended = _ended_overdue(ctx, session, stays, [at for _week, at in points])
    targets = {
        p.name: {
            s: days
            for s in p.active_states
            if (days := ctx.settings.deadline_working_days(p, s)) is not None
        }
        for p in ctx.registry.all_latest()
    }
    trend = [
        TrendPoint(week=week, at=at.astimezone(ctx.settings.tz), overdue=now_due + past_due)
        for (week, at), now_due, past_due in zip(points, current, ended, strict=True)
    ]
    return StatsPublic(
        by_process=by_process,
        overdue=overdue,
        funding_ending_90_days=int(funding),
        median_days_in_stage=medians,
        stage_target_working_days=targets,
        consulting_days=consulting,
        overdue_trend=trend,
        generated_at=now.astimezone(ctx.settings.tz),
        max_age_seconds=ctx.settings.stats_cache_seconds,
    )


def _by_process(session: Session, ctx: Context) -> dict[str, dict[str, int]]:
    """GROUP BY process, state (the index ix_engagements_process covers it); every stage
    of each latest version is listed, with 0 where nobody is."""
    counts: dict[str, dict[str, int]] = {
        p.name: dict.fromkeys(p.state_names, 0) for p in ctx.registry.all_latest()
    }
    rows = session.execute(
        select(col(Engagement.process), col(Engagement.state), func.count()).group_by(
            col(Engagement.process), col(Engagement.state)
        )
    )
    for process, state, count in rows:
        stages = counts.setdefault(process, {})
        stages[state] = stages.get(state, 0) + int(count)
    return counts


def _count_overdue(session: Session, at: datetime) -> int:
    """Engagements whose current stage deadline lies before `at`; final ones have none.
    A COUNT over the index on stage_due_at."""
    return int(
        session.execute(
            select(func.count()).select_from(Engagement).where(col(Engagement.stage_due_at) < at)
        ).scalar_one()
    )


def _days(db: Database, column: Any) -> Any:
    """A timestamp as days since 1970 (a float), the same on both databases, so durations
    and comparisons run in SQL."""
    if db.is_sqlite:
        return func.julianday(column) - JULIAN_EPOCH
    return func.extract("epoch", column) / SECONDS_PER_DAY


def _completed_stays(db: Database) -> Any:
    """Every stay that ended by a step, as a subquery (process, version, stage, entered,
    left; times in days since 1970): a transition's time, and the previous transition's
    (or the engagement's creation) as the start, by one window function over the history."""
    history = HistoryEntry.__table__  # type: ignore[attr-defined]
    previous = func.lag(_days(db, history.c.at)).over(
        partition_by=history.c.engagement_id, order_by=(history.c.at, history.c.id)
    )
    steps = (
        select(
            history.c.engagement_id,
            history.c.from_state.label("stage"),
            _days(db, history.c.at).label("left"),
            previous.label("previous"),
        )
        .where(
            history.c.kind == "transition",
            history.c.from_state.is_not(None),
            # a move to another process version is a transition entry, not a stay's end
            func.coalesce(history.c.trigger, "") != "migrate",
        )
        .subquery()
    )
    return (
        select(
            col(Engagement.process).label("process"),
            col(Engagement.process_version).label("version"),
            steps.c.stage,
            func.coalesce(steps.c.previous, _days(db, col(Engagement.created_at))).label("entered"),
            steps.c.left,
        )
        .join(Engagement, col(Engagement.id) == steps.c.engagement_id)
        .subquery()
    )


def _medians(session: Session, stays: Any) -> dict[str, dict[str, float]]:
    """The median stay per process and stage, from a histogram of the durations rounded to
    0.01 day in SQL (a few hundred rows instead of one per stay), so the median is exact to
    about a quarter of an hour."""
    spent = func.round(cast(stays.c.left - stays.c.entered, Numeric), 2)
    rows = session.execute(
        select(stays.c.process, stays.c.stage, spent, func.count())
        .group_by(stays.c.process, stays.c.stage, spent)
        .order_by(stays.c.process, stays.c.stage, spent)
    )
    histograms: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for process, stage, days, count in rows:
        histograms[(process, stage)].append((float(days), int(count)))
    medians: dict[str, dict[str, float]] = {}
    for (process, stage), histogram in histograms.items():
        medians.setdefault(process, {})[stage] = round(_median(histogram), 1)
    return medians


def _median(histogram: list[tuple[float, int]]) -> float:
    """The median of sorted (value, count) pairs: the middle value, or the mean of the two
    middle ones."""
    total = sum(count for _, count in histogram)
    wanted = [(total - 1) // 2, total // 2]  # the 0-based positions of the middle
    found: list[float] = []
    seen = 0
    for value, count in histogram:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return sum(found) / len(found)


def _consulting(session: Session, finals: list[str]) -> ConsultingUse:
    """Days used per running, funded engagement of a process with a day budget, grouped by
    the days used (half-day steps: a few dozen rows), then bucketed by share."""
    used = (
        select(
            col(ConsultingDay.engagement_id).label("engagement_id"),
            func.sum(col(ConsultingDay.days)).label("days"),
        )
        .group_by(col(ConsultingDay.engagement_id))
        .subquery()
    )
    days = func.coalesce(used.c.days, 0.0)
    engagements = 0
    total_used = 0.0
    total_budget = 0.0
    buckets = dict.fromkeys(["0", *(label for label, _ in reversed(SHARE_BUCKETS))], 0)
    for process, budget in BUDGET_DAYS.items():
        rows = session.execute(
            select(days, func.count())
            .select_from(Engagement)
            .outerjoin(used, used.c.engagement_id == col(Engagement.id))
            .where(
                col(Engagement.process) == process,
                col(Engagement.state).not_in(finals),
                col(Engagement.funding_starts_at).is_not(None),
            )
            .group_by(days)
        )
        for spent, count in rows:
            spent = float(spent)
            engagements += int(count)
            total_used += spent * count
            total_budget += budget * count
            buckets[_share_label(spent, budget)] += int(count)
    return ConsultingUse(
        engagements=engagements,
        used_days=round(total_used, 1),
        budget_days=total_budget,
        by_share=[ConsultingShare(share=k, engagements=v) for k, v in buckets.items()],
    )


def _share_label(spent: float, budget: float) -> str:
    if spent <= 0:
        return "0"
    share = 100.0 * spent / budget
    return next(label for label, lowest in SHARE_BUCKETS if share >= lowest)


def _trend_points(ctx: Context, now: datetime) -> list[tuple[str, datetime]]:
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


def _ended_overdue(ctx: Context, session: Session, stays: Any, points: list[datetime]) -> list[int]:
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


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.compute_lock = threading.Lock()
        self.snapshot: StatsPublic | None = None
        self.taken_at = 0.0
        self.refreshing = False


_CACHES: weakref.WeakKeyDictionary[Database, _Cache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def snapshot(ctx: Context) -> StatsPublic:
    """The current snapshot: fresh from the cache, else the stale one while a background
    thread computes the next, else (the first time) computed now."""
    ttl = ctx.settings.stats_cache_seconds
    if ttl <= 0:
        return compute(ctx)
    with _CACHES_LOCK:
        cache = _CACHES.setdefault(ctx.db, _Cache())
    with cache.lock:
        current = cache.snapshot
        if current is not None:
            if monotonic() - cache.taken_at >= ttl and not cache.refreshing:
                cache.refreshing = True
                threading.Thread(
                    target=_refresh, args=(ctx, cache), name="fokus-stats", daemon=True
                ).start()
            return current
    with cache.compute_lock:
        if cache.snapshot is None:
            _store(cache, compute(ctx))
        assert cache.snapshot is not None
        return cache.snapshot


def _store(cache: _Cache, fresh: StatsPublic) -> None:
    with cache.lock:
        cache.snapshot = fresh
        cache.taken_at = monotonic()
        cache.refreshing = False


def _refresh(ctx: Context, cache: _Cache) -> None:
    """Runs in its own thread: a failure keeps the old snapshot and is logged; the next
    request tries again."""
    try:
        with cache.compute_lock:
            _store(cache, compute(ctx))
    except Exception:
        log.exception("stats: computing the snapshot failed; serving the previous one")
        with cache.lock:
            cache.refreshing = False
