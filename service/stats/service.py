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
import threading
import weakref
from collections import defaultdict
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import (
    Numeric,
    cast,
    func,
    select,
)
from sqlmodel import Session, col

from service.consulting.models import ConsultingDay
from service.consulting.service import BUDGET_DAYS
from service.core.context import Context
from service.core.db import Database
from service.engagements.models import Engagement, HistoryEntry
from service.stats import trend
from service.stats.schemas import ConsultingShare, ConsultingUse, StatsPublic, TrendPoint

log = logging.getLogger(__name__)

TREND_WEEKS = 12
FUNDING_WINDOW = timedelta(days=90)
SECONDS_PER_DAY = 86_400.0
JULIAN_EPOCH = 2_440_587.5  # julianday('1970-01-01')
# (label, lowest share in percent) of the consulting-budget buckets, highest first
SHARE_BUCKETS = (("100", 100.0), ("75-99", 75.0), ("50-74", 50.0), ("25-49", 25.0), ("1-24", 0.0))


def _of(firm: str | None) -> list[Any]:
    """The condition that narrows every figure to one firm's engagements (None: all)."""
    return [] if firm is None else [col(Engagement.firm) == firm]


def compute(ctx: Context, firm: str | None = None) -> StatsPublic:
    """One snapshot, read in one read unit of work: on SQLite one consistent view; on
    PostgreSQL (read committed) a write landing between two of its queries may show in one
    figure and not yet in another, until the next snapshot. `firm`: of that firm's
    engagements only (the staff of a firm see no other's figures)."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        by_process = _by_process(session, ctx, firm)
        overdue = _count_overdue(session, now, firm)
        finals = sorted({s for p in ctx.registry.all() for s in p.final_states})
        funding = session.execute(
            select(func.count())
            .select_from(Engagement)
            .where(
                col(Engagement.funding_ends_at) >= now,
                col(Engagement.funding_ends_at) < now + FUNDING_WINDOW,
                col(Engagement.state).not_in(finals),
                *_of(firm),
            )
        ).scalar_one()
        stays = _completed_stays(ctx.db, firm)
        medians = _medians(session, stays)
        consulting = _consulting(session, finals, firm)
        points = trend.points(ctx, now)
        current = [_count_overdue(session, at, firm) for _week, at in points]
        ended = trend.ended_overdue(ctx, session, stays, [at for _week, at in points])
    targets = {
        p.name: {
            s: days
            for s in p.active_states
            if (days := ctx.settings.deadline_working_days(p, s)) is not None
        }
        for p in ctx.registry.all_latest()
    }
    weeks = [
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
        overdue_trend=weeks,
        generated_at=now.astimezone(ctx.settings.tz),
        max_age_seconds=ctx.settings.stats_cache_seconds,
    )


def _by_process(session: Session, ctx: Context, firm: str | None) -> dict[str, dict[str, int]]:
    """GROUP BY process, state (the index ix_engagements_process covers it); every stage
    of each latest version is listed, with 0 where nobody is."""
    counts: dict[str, dict[str, int]] = {
        p.name: dict.fromkeys(p.state_names, 0) for p in ctx.registry.all_latest()
    }
    rows = session.execute(
        select(col(Engagement.process), col(Engagement.state), func.count())
        .where(*_of(firm))
        .group_by(col(Engagement.process), col(Engagement.state))
    )
    for process, state, count in rows:
        stages = counts.setdefault(process, {})
        stages[state] = stages.get(state, 0) + int(count)
    return counts


def _count_overdue(session: Session, at: datetime, firm: str | None) -> int:
    """Engagements whose current stage deadline lies before `at`; final ones have none.
    A COUNT over the index on stage_due_at."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Engagement)
            .where(col(Engagement.stage_due_at) < at, *_of(firm))
        ).scalar_one()
    )


def _days(db: Database, column: Any) -> Any:
    """A timestamp as days since 1970 (a float), the same on both databases, so durations
    and comparisons run in SQL."""
    if db.is_sqlite:
        return func.julianday(column) - JULIAN_EPOCH
    return func.extract("epoch", column) / SECONDS_PER_DAY


def _completed_stays(db: Database, firm: str | None) -> Any:
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
        .where(*_of(firm))
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


def _consulting(session: Session, finals: list[str], firm: str | None) -> ConsultingUse:
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
                *_of(firm),
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


class _Cache:
    """One firm's snapshot (or everyone's: firm None)."""

    def __init__(self, firm: str | None = None) -> None:
        self.firm = firm
        self.lock = threading.Lock()
        self.compute_lock = threading.Lock()
        self.snapshot: StatsPublic | None = None
        self.taken_at = 0.0
        self.refreshing = False


# per database, one cache per firm: a firm's staff never get a snapshot of all firms
_CACHES: weakref.WeakKeyDictionary[Database, dict[str | None, _Cache]] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def snapshot(ctx: Context, firm: str | None = None) -> StatsPublic:
    """The current snapshot (of one firm's engagements, or of all: None): fresh from the
    cache, else the stale one while a background thread computes the next, else (the
    first time) computed now."""
    ttl = ctx.settings.stats_cache_seconds
    if ttl <= 0:
        return compute(ctx, firm)
    with _CACHES_LOCK:
        per_firm = _CACHES.setdefault(ctx.db, {})
        cache = per_firm.setdefault(firm, _Cache(firm))
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
            _store(cache, compute(ctx, firm))
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
            _store(cache, compute(ctx, cache.firm))
    except Exception:
        log.exception("stats: computing the snapshot failed; serving the previous one")
        with cache.lock:
            cache.refreshing = False
