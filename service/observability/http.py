"""One ASGI middleware, outermost: gives each request an id (X-Request-ID in and out, and
in every log line of the request), counts it by route template and status, observes its
latency, and writes one access log line."""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.metrics import HTTP_LATENCY, HTTP_REQUESTS
from service.observability.logs import REQUEST_ID, accept_request_id

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
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
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
            quiet = route in QUIET_ROUTES and status < 400
            log.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %d",
                method,
                scope.get("path", ""),
                status,
                extra={
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            REQUEST_ID.reset(token)


async def _internal_error(send: Send, request_id: str) -> None:
    body = json.dumps({"detail": "internal error", "request_id": request_id}).encode()
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
