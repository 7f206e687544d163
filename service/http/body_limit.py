"""Refuses request bodies over a size limit with 413 before they are read into memory.

A declared `Content-Length` over the limit is refused before the app runs. A body sent
without one (`Transfer-Encoding: chunked`) is counted as it arrives: the read that
crosses the limit raises `BodyTooLarge`, an HTTP 413 exception, and whatever the app
then answers (FastAPI turns errors while reading a body into 400; a form parser may
swallow the error and answer 422) is replaced by the 413, as long as the response has
not started.

`larger` names the few routes that take more (an evidence record's file): a POST whose path
matches one of its patterns gets that route's limit instead of `max_bytes`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.errors import text


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large(max_bytes))
        self.max_bytes = max_bytes  # service/http/http_errors.py words the answer


def _too_large(max_bytes: int) -> str:
    return f"request body larger than {max_bytes} bytes"


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = [(re.compile(pattern), limit) for pattern, limit in (larger or {}).items()]

    def limit_for(self, scope: Scope) -> int:
        if scope.get("method") == "POST":
            path = scope.get("path", "")
            for pattern, limit in self.larger:
                if pattern.fullmatch(path):
                    return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = int(value) > max_bytes
                except ValueError:
                    await _reply(send, 400, "content_length_invalid")
                    return
                if too_large:
                    await _reply(send, 413, "body_too_large", limit=max_bytes)
                    return
        received = 0
        exceeded = False
        started = False
        replaced = False  # the app's answer was replaced by the 413

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:  # the app tries again: never hand out more than the limit
                raise BodyTooLarge(max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    exceeded = True
                    raise BodyTooLarge(max_bytes)
            return message

        async def limited_send(message: Message) -> None:
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                if exceeded and not started:
                    started = replaced = True
                    await _reply(send, 413, "body_too_large", limit=max_bytes)
                    return
                started = True
            if not replaced:  # else: the app's own answer to the failed read is dropped
                await send(message)

        try:
            await self.app(scope, limited_receive, limited_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, "body_too_large", limit=max_bytes)
            elif not replaced:
                raise


async def _reply(send: Any, status: int, code: str, **params: Any) -> None:
    """An answer before the app runs, in the shape of every error (service/core/errors.py)."""
    texts = {"detail": text(code, "en", **params), "detail_de": text(code, "de", **params)}
    body = json.dumps({"code": code, **texts}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
