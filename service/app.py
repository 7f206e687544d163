"""create_app(ctx): routers, error handlers, lifespan. The scheduler is started here only
when asked (`fokus serve` does; tests drive the sweeps themselves)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from service.accounts.api import router as users_router
from service.auth.api import router as api_keys_router
from service.auth.gate import ApiKeyGate
from service.bulk.api import router as bulk_router
from service.calendar_feeds.api import feed_router as calendar_feed_router
from service.calendar_feeds.api import router as calendar_feeds_router
from service.consulting.api import router as consulting_router
from service.core.context import Context
from service.core.paths import templates_dir
from service.engagements.api import router as engagements_router
from service.engagements.export_api import router as export_router
from service.engagements.facts import check_known
from service.engagements.messages_api import router as messages_router
from service.grants.api import router as grants_router
from service.health import describe, ready
from service.http import http_errors
from service.http.body_limit import BodyLimitMiddleware
from service.measures.api import router as measures_router
from service.observability.endpoint import install_metrics
from service.observability.http import ObservabilityMiddleware
from service.observability.transitions import install_transition_counter
from service.participants.api import router as participants_router
from service.portal.api import page_router as portal_page_router
from service.portal.api import router as portal_router
from service.privacy.api import router as privacy_router
from service.processes.api import router as processes_router
from service.public_pages.api import router as public_pages_router
from service.records.api import FORM_OVERHEAD_BYTES, RECORDS_PATH
from service.records.api import router as records_router
from service.stats.api import router as stats_router
from service.web.programme_forms import PAGE_RECORDS_PATH
from service.web.routes import router as web_router
from service.workshops.api import router as workshops_router
from service.workshops.rsvp_api import router as rsvp_router

Hook = Callable[[FastAPI], None]

_HEALTH_OK = {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]}
_HEALTH_DOWN = {
    "type": "object",
    "properties": {"status": {"const": "unavailable"}, "detail": {"type": "string"}},
    "required": ["status", "detail"],
}


def _health_doc(down: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "ok", "content": {"application/json": {"schema": _HEALTH_OK}}},
        503: {"description": down, "content": {"application/json": {"schema": _HEALTH_DOWN}}},
    }


def create_app(
    ctx: Context, *, on_start: list[Hook] | None = None, on_stop: list[Hook] | None = None
) -> FastAPI:
    # a process whose guard reads a fact nobody loads is refused here, at start
    check_known(name for process in ctx.registry.all() for name in process.facts)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for hook in on_start or []:
            hook(app)
        try:
            yield
        finally:
            for hook in reversed(on_stop or []):
                hook(app)

    app = FastAPI(
        title="fokus",
        summary="Workflow service for Fokusberatung Klimaschutz engagements",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    http_errors.install(app)
    # innermost first: the API key is checked before any body is read (401 before 422)
    app.add_middleware(ApiKeyGate, ctx=ctx)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=ctx.settings.max_body_bytes,
        larger={
            RECORDS_PATH: ctx.settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
            PAGE_RECORDS_PATH: ctx.settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
        },
    )
    app.add_middleware(ObservabilityMiddleware)  # outermost: request id, HTTP metrics, log
    install_transition_counter()
    for router in (
        export_router,  # before engagements_router: /engagements/export is not an id
        engagements_router,
        participants_router,
        workshops_router,
        messages_router,
        measures_router,
        grants_router,
        records_router,
        consulting_router,
        processes_router,
        rsvp_router,
        api_keys_router,
        privacy_router,
        users_router,
        stats_router,
        bulk_router,
        calendar_feeds_router,
        calendar_feed_router,
        public_pages_router,
        portal_router,
        portal_page_router,
        web_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=templates_dir() / "static"), name="static")

    @app.get("/health", tags=["operations"], responses=_health_doc("the database does not answer"))
    def health() -> JSONResponse:
        """Liveness: the process answers and the database answers a read."""
        try:
            with ctx.db.read() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:  # the database not answering is the one thing we report
            detail = "the database does not answer: " + describe(exc)
            return JSONResponse({"status": "unavailable", "detail": detail}, 503)
        return JSONResponse({"status": "ok"})

    @app.get(
        "/health/ready",
        tags=["operations"],
        responses=_health_doc("the database does not accept a write (or not within 5 s)"),
    )
    async def health_ready() -> JSONResponse:
        """Readiness: a write commits (see service/health.py)."""
        problem = await ready(ctx)
        if problem is not None:
            return JSONResponse({"status": "unavailable", "detail": problem}, 503)
        return JSONResponse({"status": "ok"})

    install_metrics(app, ctx)

    return app
