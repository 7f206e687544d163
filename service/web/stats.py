"""The statistics page (`/stats`): the snapshot `GET /api/v1/stats` answers with, as SVG
charts drawn on the server (service/web/charts.py), each with a table of its figures
beside it. Every role may see it; German by default, English with `?lang=en`."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.auth import tenancy
from service.stats import service as stats_service
from service.stats.schemas import StatsPublic
from service.web import charts, i18n
from service.web.common import PageRoute, ctx_of, render, signed_in, words
from workflows.definition import Process

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.get("/stats")
async def stats_page(request: Request) -> Response:
    sess = await run_in_threadpool(signed_in, request)
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    ctx = ctx_of(request)
    firm = tenancy.scope(sess.principal)  # a firm's staff: their firm's figures only
    snapshot = await run_in_threadpool(stats_service.snapshot, ctx, firm)
    lang = i18n.language(request)
    t = words(request)
    latest = {p.name: p for p in ctx.registry.all_latest()}
    context = {
        "stats": snapshot,
        "generated": _when(snapshot, lang, ctx.settings.tz),
        "processes": [_process(snapshot, p, lang, t) for p in latest.values()],
        "consulting": _consulting(snapshot, lang, t),
        "trend": _trend(snapshot, lang, t),
        "number": lambda value: charts.number(value, lang),
    }
    return await run_in_threadpool(render, request, "stats.html", context)


def _label(process: Process | None, stage: str, lang: str) -> str:
    if process is not None and process.has_stage(stage):
        return process.stage(stage).label(lang)
    return stage


def _process(stats: StatsPublic, process: Process, lang: str, t: dict[str, str]) -> dict[str, Any]:
    title = process.title(lang)
    counts = stats.by_process.get(process.name, {})
    count_rows = [(_label(process, stage, lang), float(n)) for stage, n in counts.items()]
    medians = stats.median_days_in_stage.get(process.name, {})
    targets = stats.stage_target_working_days.get(process.name, {})
    stages = [s for s in process.active_states if s in medians or s in targets]
    chart_rows: list[tuple[str, float | None, float | None]] = []
    median_rows = []
    for stage in stages:
        label = _label(process, stage, lang)
        target = targets.get(stage)
        days = None if target is None else math.ceil(target * 7 / 5)
        chart_rows.append((label, medians.get(stage), days))
        median_rows.append(
            {
                "label": label,
                "median": medians.get(stage),
                "target_working_days": target,
                "target_days": days,
            }
        )
    return {
        "name": process.name,
        "title": title,
        "total": sum(counts.values()),
        "counts": [{"label": label, "count": int(n)} for label, n in count_rows],
        "count_chart": charts.horizontal(
            f"count-{process.name}",
            f"{t['stats_by_stage']}: {title}",
            t["stats_by_stage_desc"],
            count_rows,
            lang,
        ),
        "medians": median_rows,
        "median_chart": charts.paired(
            f"median-{process.name}",
            f"{t['stats_median']}: {title}",
            t["stats_median_desc"],
            chart_rows,
            lang,
        ),
    }


def _consulting(stats: StatsPublic, lang: str, t: dict[str, str]) -> dict[str, Any]:
    use = stats.consulting_days
    rows = [(f"{b.share} %", float(b.engagements)) for b in use.by_share]
    return {
        "use": use,
        "rows": [{"share": label, "count": int(n)} for label, n in rows],
        "chart": charts.horizontal(
            "consulting",
            t["stats_consulting"],
            t["stats_consulting_desc"],
            rows,
            lang,
        ),
    }


def _trend(stats: StatsPublic, lang: str, t: dict[str, str]) -> dict[str, Any]:
    rows = []
    chart_rows: list[tuple[str, float]] = []
    for point in stats.overdue_trend:
        week = f"{t['stats_week_short']} {int(point.week.split('-W')[1])}"
        chart_rows.append((week, float(point.overdue)))
        rows.append({"week": week, "at": _date(point.at, lang), "overdue": point.overdue})
    return {
        "rows": rows,
        "chart": charts.columns(
            "trend",
            t["stats_trend"],
            t["stats_trend_desc"],
            chart_rows,
            lang,
        ),
    }


def _date(at: Any, lang: str) -> str:
    return str(at.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d"))


def _when(stats: StatsPublic, lang: str, tz: Any) -> str:
    local = stats.generated_at.astimezone(tz)
    return local.strftime("%d.%m.%Y, %H:%M" if lang == "de" else "%Y-%m-%d %H:%M")
