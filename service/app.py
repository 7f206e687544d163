"""create_app(ctx): routers, error handlers, lifespan. The scheduler is started here only
when asked (`fokus serve` does; tests drive the sweeps themselves)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from service import http_errors
from service.auth.api import router as api_keys_router
from service.body_limit import BodyLimitMiddleware
from service.context import Context
from service.engagements.api import router as engagements_router
from service.mail.rsvp_api import router as rsvp_router
from service.measures.api import router as measures_router
from service.observability.endpoint import install_metrics
from service.observability.http import ObservabilityMiddleware
from service.observability.transitions import install_transition_counter
from service.participants.api import router as participants_router
from service.paths import templates_dir
from service.web.routes import router as web_router
from service.workshops.api import router as workshops_router

Hook = Callable[[FastAPI], None]


def create_app(
    ctx: Context, *, on_start: list[Hook] | None = None, on_stop: list[Hook] | None = None
) -> FastAPI:
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
    app.add_middleware(BodyLimitMiddleware, max_bytes=ctx.settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware)  # outermost: request id, HTTP metrics, log
    install_transition_counter()
    for router in (
        engagements_router,
        participants_router,
        workshops_router,
        measures_router,
        rsvp_router,
        api_keys_router,
        web_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=templates_dir() / "static"), name="static")

    @app.get("/health", tags=["operations"])
    def health() -> JSONResponse:
        try:
            with ctx.db.read() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:  # the database not answering is the one thing we report
            return JSONResponse({"status": "unavailable", "detail": str(exc)[:200]}, 503)
        return JSONResponse({"status": "ok"})

    install_metrics(app, ctx)

    return app
