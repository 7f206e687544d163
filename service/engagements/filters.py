"""The filters and orders of an engagement list, shared by the API's list, its export and
the dashboard's overview and exports, so all of them mean the same by "overdue", "due
soon", a search term or "by owner"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, or_
from sqlmodel import col

from service.engagements import search
from service.engagements.models import Engagement
from workflows import calendar
from workflows.registry import Registry

# the columns a list can be ordered by; "-name" orders descending
SORTS = ("deadline", "municipality", "stage", "owner", "file_number")
DEFAULT_SORT = "deadline"
DUE_SOON_DAYS = 5  # the overview's "due soon": a deadline within this many working days
MAX_DUE_WITHIN = 250  # about a year of working days


@dataclass(frozen=True)
class EngagementFilters:
    stage: str | None = None
    process: str | None = None
    owner: str | None = None
    overdue: bool | None = None
    q: str | None = None  # part of municipality, file number or contact name, folded
    due_within: int | None = None  # not overdue, deadline within this many working days
    firm: str | None = None  # a firm asked for (`?firm=`)
    # the firm the caller's lists are narrowed to (service/auth/tenancy.scope): every
    # list, count and export built on these filters sees only that firm's engagements
    tenant: str | None = None

    def where(
        self, query: Any, now: datetime, *, with_stage: bool = True, tz: ZoneInfo | None = None
    ) -> Any:
        """`query` narrowed by every filter that is set. `tz` (the deployment's time
        zone) is needed for `due_within`: a deadline's working day is a local day."""
        if self.tenant is not None:
            query = query.where(col(Engagement.firm) == self.tenant)
        if self.firm is not None:
            query = query.where(col(Engagement.firm) == self.firm)
        if with_stage and self.stage is not None:
            query = query.where(col(Engagement.state) == self.stage)
        if self.process is not None:
            query = query.where(col(Engagement.process) == self.process)
        if self.owner is not None:
            query = query.where(col(Engagement.owner) == self.owner)
        if self.q:
            forms = search.query_forms(self.q)
            if forms:
                query = query.where(
                    or_(*(col(Engagement.search_text).contains(f, autoescape=True) for f in forms))
                )
        if self.overdue is True:
            query = query.where(col(Engagement.stage_due_at) < now)
        elif self.overdue is False:
            query = query.where(
                col(Engagement.stage_due_at).is_(None) | (col(Engagement.stage_due_at) >= now)
            )
        if self.due_within is not None:
            if tz is None:
                raise ValueError("due_within needs the time zone")
            query = query.where(due_within(self.due_within, now, tz))
        return query


def due_within(days: int, now: datetime, tz: ZoneInfo) -> Any:
    """Not overdue, and the deadline's day at most `days` working days after today in
    the engagement's federal state: one bound per state (16), so the indexed deadline
    column does the work."""
    bounds = [
        and_(col(Engagement.federal_state) == state, col(Engagement.stage_due_at) <= until)
        for state, until in due_within_bounds(days, now, tz).items()
    ]
    return and_(col(Engagement.stage_due_at) >= now, or_(false(), *bounds))


def due_within_bounds(days: int, now: datetime, tz: ZoneInfo) -> dict[str, datetime]:
    """Per federal state, the end of the last working day `days` working days after
    today (local)."""
    today = now.astimezone(tz).date()
    return {
        state: datetime.combine(
            calendar.add_working_days(today, days, state), calendar.END_OF_DAY, tzinfo=tz
        )
        for state in calendar.FEDERAL_STATES
    }


def parse_sort(value: str | None) -> str:
    """A known sort ("owner", "-deadline"), else the default."""
    if value and value.removeprefix("-") in SORTS:
        return value
    return DEFAULT_SORT


def order_by(sort: str, registry: Registry) -> tuple[Any, ...]:
    """ORDER BY terms for a sort: ties by id, no deadline (final stages) and no owner
    always last. `municipality` orders by the folded name (Ä with A), `owner` naturally
    (Referent 2 before Referent 10), `stage` by the stages' order in their process,
    `file_number` by prefix, then year and number (the id grows with the year)."""
    sort = parse_sort(sort)
    descending = sort.startswith("-")
    name = sort.removeprefix("-")

    def ordered(term: Any) -> Any:
        return term.desc() if descending else term.asc()

    due = col(Engagement.stage_due_at)
    ident = ordered(col(Engagement.id))
    if name == "municipality":
        return (ordered(col(Engagement.search_text)), ident)
    if name == "owner":
        key = col(Engagement.owner_key)
        return (key.is_(None), ordered(key), due.is_(None), due.asc(), ident)
    if name == "file_number":
        return (ordered(col(Engagement.process)), ident)
    if name == "stage":
        return (ordered(stage_position(registry)), due.is_(None), due.asc(), ident)
    return (due.is_(None), ordered(due), ident)


def stage_position(registry: Registry) -> Any:
    """A stage's place in its process (its latest version's order; a stage only an older
    version has comes after them)."""
    whens = []
    for process in registry.all_latest():
        for position, stage in enumerate(process.stages):
            whens.append(
                (
                    and_(
                        col(Engagement.process) == process.name,
                        col(Engagement.state) == stage.name,
                    ),
                    position,
                )
            )
    return case(*whens, else_=1000)
