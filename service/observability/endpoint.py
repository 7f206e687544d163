"""GET /metrics: the process's counters and histograms (prometheus_client's default
registry) followed by the database gauges of this app's context. Open unless
FOKUS_METRICS_TOKEN is set; then that bearer token is required (the same check as
`fokus scheduler --metrics-port`, service/observability/metrics_server.py).

One process per replica: the counters are per process and Prometheus sums the replicas.
(Several uvicorn workers in one process would need prometheus_client's multiprocess
mode; `fokus serve` runs one worker.)"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from service.core.context import Context
from service.observability.collector import DatabaseCollector
from service.observability.metrics_server import UNAUTHORIZED_BODY, bearer_accepted


class _Chain(Collector):
    def __init__(self, *sources: Collector) -> None:
        self.sources = sources

    def collect(self) -> Iterable[Metric]:
        for source in self.sources:
            yield from source.collect()


def install_metrics(app: FastAPI, ctx: Context) -> None:
    exposition = _Chain(REGISTRY, DatabaseCollector(ctx))
    token = ctx.settings.metrics_token

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def metrics(request: Request) -> Response:
        if not bearer_accepted(token, request.headers.get("authorization", "")):
            return Response(
                UNAUTHORIZED_BODY,
                status_code=401,
                media_type="application/json",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(generate_latest(exposition), media_type=CONTENT_TYPE_LATEST)
