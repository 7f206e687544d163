"""The overview: every engagement, most urgent first, with counts per stage, the number
overdue and due soon, the filters of the API's list (stage, process, owner, overdue, due
within N working days, search) and its order (`?sort=`) in the query string, and the
same list as CSV or XLSX (`/export.csv`, `/export.xlsx`).

Deadlines and funding periods are counted by the engagement presenter
(service/engagements/presenters.py), the same functions the API answers with; the time
left is said in working days of the engagement's federal state, as deadlines are set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.auth import tenancy
from service.core.context import Context
from service.engagements import presenters
from service.engagements import service as engagements
from service.engagements.export_api import answer as export_answer
from service.engagements.filters import (
    DUE_SOON_DAYS,
    MAX_DUE_WITHIN,
    SORTS,
    EngagementFilters,
    parse_sort,
)
from service.web import bulk, i18n, queries
from service.web import session as websession
from service.web.common import PageRoute, ctx_of, render, signed_in
from service.web.inputs import bounded_int, clean, flag

router = APIRouter(include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = 25
MAX_PAGE = 100_000
SOON_CHOICES = (3, DUE_SOON_DAYS, 10, 20)  # the "due soon" select's working days
# the sortable columns in the table's order, with the words of their header
SORTABLE = {
    "file_number": "ov_file_number",
    "municipality": "municipality",
    "stage": "stage",
    "owner": "owner",
    "deadline": "deadline",
}
assert set(SORTABLE) == set(SORTS)


@dataclass(frozen=True)
class Query:
    """The overview's query string, read once for the page and its exports."""

    filters: EngagementFilters
    sort: str
    page: int

    def params(self, **changes: object) -> dict[str, object]:
        """The query string's values (some changed), without defaults."""
        f = self.filters
        current: dict[str, object] = {
            "stage": f.stage,
            "process": f.process,
            "owner": f.owner,
            "overdue": None if f.overdue is None else int(f.overdue),
            "soon": f.due_within,
            "q": f.q,
            "firm": f.firm,
            "sort": self.sort,
            "page": self.page,
            **changes,
        }
        defaults = {("page", 1), ("sort", "deadline")}
        return {k: v for k, v in current.items() if v not in (None, "") and (k, v) not in defaults}

    def link(self, path: str = "/", **changes: object) -> str:
        kept = self.params(**changes)
        return path + "?" + urlencode(kept) if kept else path


def read_query(request: Request, ctx: Context) -> Query:
    """Filters, order and page from the query string; anything odd is no filter. Staff
    of a firm see only their firm's engagements (`tenant`); anyone else may pick a firm."""
    params = request.query_params
    tenant = tenancy.scope(websession.load(request).principal)
    stage = clean(params.get("stage"), 40)
    process_name = clean(params.get("process"), 40)
    known = ctx.registry.knows(process_name)
    chosen = [ctx.registry.latest(process_name)] if known else ctx.registry.all_latest()
    stage_names = {s.name for p in chosen for s in p.stages}
    soon = bounded_int(params.get("soon"), 0, 0, MAX_DUE_WITHIN)
    filters = EngagementFilters(
        stage=stage if stage in stage_names else None,
        process=process_name if known else None,
        owner=clean(params.get("owner")) or None,
        overdue=flag(params.get("overdue")),
        q=clean(params.get("q")) or None,
        due_within=soon or None,
        firm=None if tenant else clean(params.get("firm")) or None,
        tenant=tenant,
    )
    sort = parse_sort(clean(params.get("sort"), 20))
    return Query(filters, sort, bounded_int(params.get("page"), 1, 1, MAX_PAGE))


def remaining_text(words: dict[str, str], seen: presenters.Dates) -> str:
    """The time to the deadline in working days of the federal state: "noch 3
    Arbeitstage", "heute fällig", "seit 2 Arbeitstagen überfällig" (a deadline that
    passed on Friday is "überfällig seit 05.03.2027" over the weekend)."""
    left = seen.working_days_left
    if seen.due is None or left is None:
        return words["no_deadline"]
    if seen.overdue:
        late = -left
        if late <= 0:
            return words["ov_wd_overdue_since"].format(date=seen.due.strftime("%d.%m.%Y"))
        return words["ov_wd_overdue_one"] if late == 1 else words["ov_wd_overdue"].format(n=late)
    if left <= 0:
        return words["ov_wd_due_today"]
    return words["ov_wd_left_one"] if left == 1 else words["ov_wd_left"].format(n=left)


def sort_headers(query: Query, words: dict[str, str]) -> dict[str, dict[str, str]]:
    """Per sortable column: its link (the other direction when it is the current
    order), its aria-sort value and the words a screen reader hears."""
    current = query.sort.removeprefix("-")
    descending = query.sort.startswith("-")
    headers = {}
    for name, key in SORTABLE.items():
        label = words[key]
        if name == current:
            wanted = name if descending else "-" + name
            aria = "descending" if descending else "ascending"
            state = words["ov_sorted_desc"] if descending else words["ov_sorted_asc"]
        else:
            wanted, aria, state = name, "none", ""
        headers[name] = {
            "href": query.link(sort=wanted, page=1),
            "aria": aria,
            "label": label,
            "state": state,
            "title": words["ov_sort_by"].format(column=label),
        }
    return headers


@router.get("/")
def overview(request: Request) -> Response:
    if signed_in(request) is None:
        return RedirectResponse("/login", status_code=303)
    ctx = ctx_of(request)
    lang = i18n.language(request)
    words = i18n.STRINGS[lang]
    query = read_query(request, ctx)
    filters = query.filters
    now = ctx.clock.now()
    tz = ctx.settings.tz
    with ctx.db.read() as session:
        rows, total = engagements.list_page(
            session,
            ctx,
            filters,
            limit=PAGE_SIZE,
            offset=(query.page - 1) * PAGE_SIZE,
            sort=query.sort,
        )
        counts = queries.stage_counts(session, filters, now, tz)
        overdue_count = queries.count(
            session, replace(filters, overdue=True, due_within=None), now, tz
        )
        soon_count = queries.count(
            session, replace(filters, overdue=None, due_within=DUE_SOON_DAYS), now, tz
        )
        owners = queries.owners(session, filters.tenant)
        firms = [] if filters.tenant else queries.firms(session)
        session.expunge_all()  # read-only rows, used after the read unit of work ends
    pages = max(1, -(-total // PAGE_SIZE))
    items: list[dict[str, Any]] = []
    for row in rows:
        process = engagements.definition(ctx, row)
        seen = presenters.dates(row, process, now, tz)
        left = seen.working_days_left
        items.append(
            {
                "id": row.id,
                "version": row.version,
                "file_number": row.file_number or "",
                "municipality": row.municipality,
                "federal_state": words.get(f"ov_state_{row.federal_state}", row.federal_state),
                "state": row.state,
                "stage": process.stage(row.state).label(lang),
                "process": process.title(lang),
                "owner": row.owner,
                "firm": row.firm,
                "due": seen.due,
                "overdue": seen.overdue,
                "soon": not seen.overdue and left is not None and left <= DUE_SOON_DAYS,
                "deadline_text": remaining_text(words, seen),
                "funding_text": presenters.funding_text(lang, seen),
            }
        )

    labels: dict[str, str] = {}
    chosen = (
        [ctx.registry.latest(filters.process)] if filters.process else ctx.registry.all_latest()
    )
    for p in chosen:
        for s in p.stages:
            labels.setdefault(s.name, s.label(lang))
    stages = [
        {"name": name, "label": label, "count": counts.get(name, 0)}
        for name, label in labels.items()
    ]
    processes = [{"name": p.name, "title": p.title(lang)} for p in ctx.registry.all_latest()]
    return render(
        request,
        "overview.html",
        {
            "items": items,
            "total": total,
            "page": query.page,
            "pages": pages,
            "filters": filters,
            "stages": stages,
            "processes": processes,
            "owners": owners,
            "firms": firms,  # the firm column and filter: only for who sees every firm
            "link": query.link,
            "all_count": sum(counts.values()),
            "overdue_count": overdue_count,
            "soon_count": soon_count,
            "soon_days": DUE_SOON_DAYS,
            "soon_choices": SOON_CHOICES,
            "sort": query.sort,
            "sorts": sort_headers(query, words),
            "back": query.link(),
            "bulk_targets": bulk.migration_targets(ctx, lang),
            "export_csv": query.link("/export.csv", page=None),
            "export_xlsx": query.link("/export.xlsx", page=None),
        },
    )


def _export(request: Request, kind: str) -> Response:
    """The overview's rows with its filters and order, every page of them."""
    if signed_in(request) is None:
        return RedirectResponse("/login", status_code=303)
    ctx = ctx_of(request)
    query = read_query(request, ctx)
    lang = i18n.language(request)
    with ctx.db.read() as session:
        return export_answer(ctx, query.filters, query.sort, kind, lang, session)


@router.get("/export.csv")
def export_csv(request: Request) -> Response:
    return _export(request, "csv")


@router.get("/export.xlsx")
def export_xlsx(request: Request) -> Response:
    return _export(request, "xlsx")
