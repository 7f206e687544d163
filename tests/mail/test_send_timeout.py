"""A server that stops answering mid-transaction: the whole transaction has one deadline
(the transport's timeout, issue 16 replaced aiosmtplib's per-command wait_for with it);
past it the message fails temporarily and the connection is dropped, not reused."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from service.mail.send_errors import SendError
from service.mail.transport import Envelope, SmtpConfig, SmtpTransport
from tests.support import free_port


class _Stalls:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(30)  # far beyond the timeout
        return "250 OK"


def test_a_stalled_transaction_fails_temporarily_after_the_timeout() -> None:
    port = free_port()
    controller = Controller(_Stalls(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"), timeout=0.5)
        message = Envelope(
            sender="a@example.org",
            recipient="b@example.org",
            data=b"Subject: x\r\nMessage-ID: <x@example.org>\r\n\r\nhello\r\n",
        )

        async def scenario() -> float:
            started = time.monotonic()
            with pytest.raises(SendError) as caught:
                await transport.send(message)
            assert not caught.value.permanent
            assert transport.client is None  # not reused in an unknown state
            return time.monotonic() - started

        assert asyncio.run(scenario()) < 15  # the deadline ended it, not the server
    finally:
        controller.stop()
