"""The named facts that process guards read, one loader per fact name.

A loader turns an engagement id (a bound parameter or a column) and "now" into a scalar
SQL expression, so an engagement and all its facts come back in one query, and a page
of engagements with theirs in one more. A process may use any fact named here; a new
guard over an existing fact needs no change in this module (CONTRIBUTING.md: "add a
guard over a new fact" is the only recipe that touches it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlmodel import Session, col

from service.consulting.models import ConsultingDay
from service.core.context import Context, FactPlan
from service.core.errors import NotFound
from service.engagements.models import Engagement
from service.grants.models import Grant
from service.measures.models import Measure
from service.participants.models import Participant
from service.records.models import Record
from service.workshops.models import Workshop
from workflows.definition import REQUEST_FACTS
from workflows.engine import Facts
from workflows.programme import RECORD_KINDS

STARTED_STATUSES = ("in_progress", "completed")

# (engagement id expression, now) -> scalar subquery
Loader = Callable[[Any, Any], Any]


def _participant_count(eid: Any, _now: Any) -> Any:
    return select(func.count()).where(col(Participant.engagement_id) == eid).scalar_subquery()


def _ended_workshop_count(eid: Any, now: Any) -> Any:
    return (
        select(func.count())
        .where(
            col(Workshop.engagement_id) == eid,
            col(Workshop.ends_at) <= now,
            col(Workshop.cancelled_at).is_(None),
        )
        .scalar_subquery()
    )


def _measure_count(eid: Any, _now: Any) -> Any:
    return select(func.count()).where(col(Measure.engagement_id) == eid).scalar_subquery()


def _started_measure_count(eid: Any, _now: Any) -> Any:
    # equalities, not IN: an IN list is an "expanding" parameter that SQLAlchemy renders
    # into the SQL text anew on every execution (the transition's hot path)
    is_started = or_(*(col(Measure.status) == status for status in STARTED_STATUSES))
    started = func.coalesce(func.sum(case((is_started, 1), else_=0)), 0)
    return select(started).where(col(Measure.engagement_id) == eid).scalar_subquery()


# Subqueries below that name Engagement's columns correlate to the engagement being
# loaded (the outer query selects from engagements): "inside its funding period".


def _grant_recorded(eid: Any, _now: Any) -> Any:
    return select(func.count()).where(col(Grant.engagement_id) == eid).scalar_subquery()


def _record_of(kind: str) -> Loader:
    def count(eid: Any, _now: Any) -> Any:
        return (
            select(func.count())
            .where(col(Record.engagement_id) == eid, col(Record.kind) == kind)
            .scalar_subquery()
        )

    return count


def _workshops_ended_in_period(eid: Any, now: Any) -> Any:
    return (
        select(func.count())
        .where(
            col(Workshop.engagement_id) == eid,
            col(Workshop.cancelled_at).is_(None),
            col(Workshop.ends_at) <= now,
            col(Workshop.ends_at) >= col(Engagement.funding_starts_at),
            col(Workshop.ends_at) <= col(Engagement.funding_ends_at),
        )
        .scalar_subquery()
    )


def _measures_not_failed(eid: Any, _now: Any) -> Any:
    return (
        select(func.count())
        .where(col(Measure.engagement_id) == eid, col(Measure.status) != "failed")
        .scalar_subquery()
    )


def _measures_started_in_period(eid: Any, _now: Any) -> Any:
    """Only a start inside the funding period counts, and adaptation is no climate
    protection measure in the programme's sense."""
    return (
        select(func.count())
        .where(
            col(Measure.engagement_id) == eid,
            col(Measure.action_area) != "adaptation",
            col(Measure.started_at) >= col(Engagement.funding_starts_at),
            col(Measure.started_at) <= col(Engagement.funding_ends_at),
        )
        .scalar_subquery()
    )


def _consulting_days_total(eid: Any, _now: Any) -> Any:
    return (
        select(func.coalesce(func.sum(col(ConsultingDay.days)), 0.0))
        .where(col(ConsultingDay.engagement_id) == eid)
        .scalar_subquery()
    )


def _consulting_direct_days(eid: Any, _now: Any) -> Any:
    """Direct contact: on site, and from the KRL 2022 on digital too."""
    direct = (col(ConsultingDay.mode) == "on_site") | (
        (col(ConsultingDay.mode) == "digital") & (col(Engagement.krl_version) != "2020")
    )
    return (
        select(func.coalesce(func.sum(col(ConsultingDay.days)), 0.0))
        .where(col(ConsultingDay.engagement_id) == eid, direct)
        .scalar_subquery()
    )


LOADERS: dict[str, Loader] = {
    "participant_count": _participant_count,
    "ended_workshop_count": _ended_workshop_count,
    "measure_count": _measure_count,
    "started_measure_count": _started_measure_count,
    "grant_recorded": _grant_recorded,
    "workshops_ended_in_period": _workshops_ended_in_period,
    "measures_not_failed": _measures_not_failed,
    "measures_started_in_period": _measures_started_in_period,
    "consulting_days_total": _consulting_days_total,
    "consulting_direct_days": _consulting_direct_days,
    **{f"record_{kind}": _record_of(kind) for kind in RECORD_KINDS},
}


def check_known(names: Iterable[str]) -> None:
    """Refuses a process that reads a fact nobody loads (at start-up, not mid-request)."""
    unknown = sorted(set(names) - set(LOADERS) - set(REQUEST_FACTS))
    if unknown:
        raise ValueError(
            f"no loader for the fact(s) {', '.join(unknown)}; known: {', '.join(sorted(LOADERS))}"
        )


def _only_for(readers: tuple[tuple[str, int], ...], expression: Any) -> Any:
    """The fact for engagements whose process version reads it, else 0: the database
    evaluates a CASE branch only when it is taken, so an engagement pays only for the
    facts of its own process, however many processes are registered."""
    reads = or_(
        *(
            and_(col(Engagement.process) == name, col(Engagement.process_version) == version)
            for name, version in readers
        )
    )
    return case((reads, expression), else_=0)


def _columns(plan: FactPlan, eid: Any, now: Any) -> list[Any]:
    return [_only_for(readers, LOADERS[name](eid, now)).label(name) for name, readers in plan]


@lru_cache(maxsize=32)
def _one_statement(plan: FactPlan) -> Any:
    """Built once per plan: SQLAlchemy then reuses the compiled statement.
    populate_existing: several transitions of one group commit share a session, and each
    must see the row as the previous one left it."""
    eid: Any = bindparam("eid")
    now: Any = bindparam("now")
    return (
        select(Engagement, *_columns(plan, eid, now))
        .where(col(Engagement.id) == eid)
        .execution_options(populate_existing=True)
    )


def load_one(
    session: Session, engagement_id: int, now: datetime, plan: FactPlan
) -> tuple[Engagement, Facts]:
    """One engagement and its facts in one query (the transition's hot path)."""
    row = session.execute(_one_statement(plan), {"eid": engagement_id, "now": now}).first()
    if row is None:
        raise NotFound("engagement_not_found", engagement=engagement_id)
    engagement = row[0]
    values = {name: row[i + 1] or 0 for i, (name, _readers) in enumerate(plan)}
    return engagement, Facts(state=engagement.state, named=values)


_ENGAGEMENT = select(Engagement.__table__).where(  # type: ignore[attr-defined]
    col(Engagement.id) == bindparam("eid")
)


@lru_cache(maxsize=64)
def _facts_of(names: frozenset[str]) -> Any:
    """The facts one process version reads, for one engagement (its columns correlate)."""
    eid: Any = bindparam("eid")
    now: Any = bindparam("now")
    ordered = sorted(names)
    columns = [LOADERS[name](eid, now).label(name) for name in ordered]
    return select(*columns).select_from(Engagement).where(col(Engagement.id) == eid)


def load_for_write(
    session: Session, ctx: Context, engagement_id: int, now: datetime
) -> tuple[Engagement, Facts]:
    """One engagement and the facts its process version reads, for a write (the
    transition's hot path): two Core statements, the row and then only its process
    version's facts, instead of ORM hydration and a CASE per fact of every process. The
    engagement is a plain model built from the row, in no session (`detached_update`
    changes it), so a group commit's later jobs read the database, not a cached object."""
    connection = session.connection()
    row = connection.execute(_ENGAGEMENT, {"eid": engagement_id}).first()
    if row is None:
        raise NotFound("engagement_not_found", engagement=engagement_id)
    engagement = Engagement.model_construct(**row._mapping)
    wanted = ctx.process_of(engagement.process, engagement.process_version).loaded_facts
    values: dict[str, Any] = {}
    if wanted:
        statement = _facts_of(wanted)
        loaded = connection.execute(statement, {"eid": engagement_id, "now": now}).one()
        values = {name: value or 0 for name, value in loaded._mapping.items()}
    return engagement, Facts(state=engagement.state, named=values)


def tracked(engagement: Engagement) -> bool:
    """Whether a session tracks `engagement` (else it came from `load_for_write`)."""
    return getattr(engagement, "_sa_instance_state", None) is not None


def load_facts(
    session: Session, states: dict[int, str], now: datetime, plan: FactPlan
) -> dict[int, Facts]:
    """`states` maps engagement id to current state; their facts in one query."""
    facts = {eid: Facts(state=state) for eid, state in states.items()}
    if not facts or not plan:
        return facts
    engagement_id = col(Engagement.id)
    query = select(engagement_id, *_columns(plan, engagement_id, now)).where(
        engagement_id.in_(list(facts))
    )
    names = [name for name, _readers in plan]
    for eid, *values in session.execute(query):
        facts[eid].named.update({n: value or 0 for n, value in zip(names, values, strict=True)})
    return facts
