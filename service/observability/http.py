"""One ASGI middleware, outermost: gives each request an id (X-Request-ID in and out, and
in every log line of the request), counts it by route template and status, observes its
latency, and writes one access log line.

The access line's path never carries a secret: a path parameter named `token` (or
`…_token`) is masked, so `/rsvp/{token}` is logged as `/rsvp/***` (an RSVP token works
like a password for that person's answer). The query string is not logged at all."""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.errors import text
from service.core.metrics import HTTP_LATENCY, HTTP_REQUESTS
from service.observability.logs import REQUEST_ID, accept_request_id, redact

log = logging.getLogger("fokus.access")
HEADER = b"x-request-id"
# probes hit these every few seconds: their successful requests are logged at DEBUG only
QUIET_ROUTES = frozenset({"/health", "/metrics"})


def route_template(scope: Scope) -> str:
    """The matched route's path template (/api/v1/engagements/{id}), never the raw path,
    so the metric's label set stays small; "unmatched" when no route matched."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not isinstance(template, str) or not template:
        return "unmatched"
    return template


def loggable_path(scope: Scope) -> str:
    """The request's path for a log line, with secret path parameters masked (matched
    routes), and anything that looks like an RSVP token or an API key masked too
    (unmatched paths such as `/rsvp/<token>/extra` have no parameters)."""
    path = str(scope.get("path", ""))
    params = scope.get("path_params") or {}
    for name, value in params.items():
        if (name == "token" or name.endswith("_token")) and isinstance(value, str) and value:
            path = path.replace(value, "***")
    return redact(path)


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == HEADER:
                incoming = value.decode("latin-1")
                break
        request_id = accept_request_id(incoming)
        token = REQUEST_ID.set(request_id)
        status = 500
        response_started = False
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                headers.append((HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # a bug, not bad input: log the traceback under the request id and answer a
            # JSON 500 that carries the id, so a user's report leads to this log line
            log.exception("unhandled error in %s %s", scope.get("method"), loggable_path(scope))
            if response_started:
                raise
            status = 500
            await _internal_error(send_with_id, request_id)
        finally:
            elapsed = time.perf_counter() - started
            method = str(scope.get("method", ""))
            route = route_template(scope)
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(elapsed)
            level = logging.DEBUG if route in QUIET_ROUTES and status < 400 else logging.INFO
            if log.isEnabledFor(level):
                path = loggable_path(scope)
                log.log(
                    level,
                    "%s %s %d",
                    method,
                    path,
                    status,
                    extra={
                        "method": method,
                        "path": path,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            REQUEST_ID.reset(token)


async def _internal_error(send: Send, request_id: str) -> None:
    texts = {"detail": text("internal_error", "en"), "detail_de": text("internal_error", "de")}
    body = json.dumps({"code": "internal_error", **texts, "request_id": request_id}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
