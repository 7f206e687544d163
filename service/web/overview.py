"""The overview: every engagement, most urgent first, with counts per stage and the
filters of the API's list (stage, process, owner, overdue, search) in the query string.

Deadlines and funding periods are counted by the engagement presenter
(service/engagements/presenters.py), the same functions the API answers with.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.engagements import presenters
from service.engagements import service as engagements
from service.engagements.filters import EngagementFilters
from service.web import i18n, queries
from service.web.common import PageRoute, ctx_of, render, signed_in
from service.web.inputs import bounded_int, clean, flag

router = APIRouter(include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = 25
MAX_PAGE = 100_000
SOON_DAYS = 7  # a deadline this close is highlighted


@router.get("/")
def overview(request: Request) -> Response:
    if signed_in(request) is None:
        return RedirectResponse("/login", status_code=303)
    ctx = ctx_of(request)
    lang = i18n.language(request)
    params = request.query_params
    stage = clean(params.get("stage"), 40)
    process_name = clean(params.get("process"), 40)
    chosen = (
        [ctx.registry.latest(process_name)]
        if ctx.registry.knows(process_name)
        else ctx.registry.all_latest()
    )
    stage_names = {s.name for p in chosen for s in p.stages}
    owner = clean(params.get("owner"))
    q = clean(params.get("q"))
    filters = EngagementFilters(
        stage=stage if stage in stage_names else None,
        process=process_name if ctx.registry.knows(process_name) else None,
        owner=owner or None,
        overdue=flag(params.get("overdue")),
        q=q or None,
    )
    number = bounded_int(params.get("page"), 1, 1, MAX_PAGE)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        rows, total = engagements.list_page(
            session,
            ctx,
            filters,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
            by_deadline=True,
        )
        counts = queries.stage_counts(session, filters, now)
        owners = queries.owners(session)
        session.expunge_all()  # read-only rows, used after the read unit of work ends
    pages = max(1, -(-total // PAGE_SIZE))
    items: list[dict[str, Any]] = []
    for row in rows:
        process = engagements.definition(ctx, row)
        seen = presenters.dates(row, process, now, ctx.settings.tz)
        items.append(
            {
                "id": row.id,
                "municipality": row.municipality,
                "federal_state": row.federal_state,
                "state": row.state,
                "stage": process.stage(row.state).label(lang),
                "process": process.title(lang),
                "owner": row.owner,
                "due": seen.due,
                "overdue": seen.overdue,
                "soon": (
                    not seen.overdue and seen.days_left is not None and seen.days_left <= SOON_DAYS
                ),
                "deadline_text": presenters.deadline_text(lang, seen.days_left, seen.overdue),
                "funding_text": presenters.funding_text(lang, seen),
            }
        )

    def link(**changes: object) -> str:
        """The overview's URL with the current filters, some of them changed."""
        current: dict[str, object] = {
            "stage": filters.stage,
            "process": filters.process,
            "owner": filters.owner,
            "overdue": None if filters.overdue is None else int(filters.overdue),
            "q": filters.q,
            "page": number,
            **changes,
        }
        kept = {k: v for k, v in current.items() if v not in (None, "") and (k, v) != ("page", 1)}
        return "/?" + urlencode(kept) if kept else "/"

    labels: dict[str, str] = {}
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
            "page": number,
            "pages": pages,
            "filters": filters,
            "stages": stages,
            "processes": processes,
            "owners": owners,
            "link": link,
            "all_count": sum(counts.values()),
        },
    )
