"""`fokus scheduler --metrics-port`: the sweeping process's own /metrics on a port of its
own (it has no HTTP API to hang the route on).

prometheus_client's `start_http_server` serves every scrape without asking, so a
scheduler exposed it even when FOKUS_METRICS_TOKEN was set. This server answers with the
same registry and checks the same bearer token as `GET /metrics` of `fokus serve`
(`bearer_accepted`, shared with service/observability/endpoint.py)."""

from __future__ import annotations

import hmac
import socket
import threading
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import make_wsgi_app

UNAUTHORIZED_BODY = b'{"detail": "a valid metrics bearer token is required"}'


def bearer_accepted(token: str | None, authorization: str) -> bool:
    """True when no token is configured, or the header is `Bearer <token>`; compared in
    constant time, so the token cannot be guessed byte by byte from response times."""
    if not token:
        return True
    return hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())


def metrics_app(token: str | None) -> WSGIApplication:
    """prometheus_client's exposition (default registry), behind the bearer token."""
    exposition = make_wsgi_app()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not bearer_accepted(token, str(environ.get("HTTP_AUTHORIZATION", ""))):
            start_response(
                "401 Unauthorized",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(UNAUTHORIZED_BODY))),
                    ("WWW-Authenticate", "Bearer"),
                ],
            )
            return [UNAUTHORIZED_BODY]
        body: Iterable[bytes] = exposition(environ, start_response)
        return body

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper never keeps the process from stopping


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    """wsgiref writes a plain-text line per request to stderr, which would break the
    JSON log; scrapes come every few seconds and are not worth a line each."""

    def log_message(self, format: str, *args: Any) -> None:
        return


class MetricsServer:
    """Serves /metrics in a daemon thread until `stop()`."""

    def __init__(self, host: str, port: int, token: str | None) -> None:
        server_class = _ThreadingServer6 if ":" in host else _ThreadingServer
        self.server = make_server(
            host, port, metrics_app(token), server_class, handler_class=_QuietHandler
        )
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="fokus-metrics", daemon=True
        )

    def start(self) -> MetricsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
