"""Sending one claimed batch (service/mail/dispatch.py claims it): build, send, record.

Three things overlap, so that one SMTP connection runs at the speed of the server
(issue 16: 476 mails/s before, each message built, sent and marked in turn):

- **Build ahead** (`_builder`): a task renders and assembles the next messages (render
  at send time, service/mail/deferred.py; `transport.build_message`) while the
  connection waits for the server's answer to the one in hand. At most `AHEAD`
  messages are built before they are sent.
- **Send** one message at a time over the connection, in claim order.
- **Record** (`Marks`): what the server accepted is marked sent by one UPDATE for all
  that were accepted within a few milliseconds of each other (`LINGER_SECONDS`) or while
  the previous UPDATE was written, in a worker thread while the next messages go out
  (group commit). With a slow server each message is still recorded alone, within
  milliseconds; with a fast one a few go together. A hard kill repeats at most those
  accepted but not yet recorded, with the same Message-IDs (the kill test allows one of
  60 with a server taking 100 ms a message: a batch is never marked at its end only).
  Whatever the server refused is recorded at once, as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from service.core.context import Context
from service.core.metrics import MAIL_SEND_ATTEMPTS, MAIL_SENT
from service.mail.deferred import ready
from service.mail.models import OutboxMessage
from service.mail.transport import ConnectError, Envelope, SendError, Transport, build_message

log = logging.getLogger("fokus.mail")

AHEAD = 8  # messages built before their turn
LINGER_SECONDS = 0.005  # how long an accepted message waits for others to be recorded with
RENEW_EVERY_SECONDS = 5.0


@dataclass
class DispatchResult:
    """What one dispatch run did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unreachable: bool = False


def build(row: OutboxMessage, ctx: Context) -> Envelope:
    """The email of `row`; anything that stops it from being built is permanent (the
    same row builds the same way next time) and names what went wrong."""
    try:
        # a row queued as template and parameters is rendered here (mail/deferred.py)
        return build_message(ready(row, ctx.settings.tz), ctx.settings)
    except SendError:
        raise
    except Exception as exc:
        log.exception("mail %s could not be built", row.message_id)
        raise SendError(
            f"the message could not be built: {type(exc).__name__}: {exc}"[:500], permanent=True
        ) from None


async def _send(transport: Transport, message: Envelope, row: OutboxMessage) -> None:
    """Hands `message` to the transport. The transports classify what they know
    (temporary: the network, 4xx; permanent: 5xx, an address the server cannot take);
    anything else is a defect that the same message would hit again: permanent, with
    the exception in `last_error` and the traceback in the log."""
    try:
        await transport.send(message)
    except SendError:
        raise
    except Exception as exc:
        log.exception("mail %s: unexpected error while sending", row.message_id)
        raise SendError(
            f"unexpected error while sending: {type(exc).__name__}: {exc}"[:500], permanent=True
        ) from None


class Marks:
    """Accepted messages, recorded as sent in groups by a background task: one UPDATE
    (in a worker thread) for all accepted since the previous one was written."""

    def __init__(self, write: Callable[[list[int]], None]) -> None:
        self.write = write  # dispatch.mark_sent_many for this worker
        self.pending: list[int] = []
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()
        self.error: BaseException | None = None
        self.task = asyncio.create_task(self._run())

    def add(self, message_id: int) -> None:
        if self.error is not None:
            raise self.error  # the database went away: stop sending what cannot be recorded
        self.pending.append(message_id)
        self.idle.clear()
        self.wake.set()

    async def _run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            # what the next few milliseconds accept joins this UPDATE: a kill can repeat
            # no more than that, and a fast server needs far fewer transactions
            await asyncio.sleep(LINGER_SECONDS)
            while self.pending:
                ids, self.pending = self.pending, []
                try:
                    await asyncio.to_thread(self.write, ids)
                except Exception as exc:
                    self.error = exc
                    self.idle.set()
                    return
            self.idle.set()

    async def flush(self) -> None:
        """Waits until everything accepted so far is recorded; raises what failed."""
        await self.idle.wait()
        if self.error is not None:
            raise self.error

    async def close(self) -> None:
        """Records what is left, then ends the task."""
        try:
            await self.flush()
        finally:
            self.task.cancel()
            with suppress(asyncio.CancelledError):
                await self.task


Built = Envelope | SendError


async def _builder(
    ctx: Context, rows: list[OutboxMessage], out: asyncio.Queue[tuple[OutboxMessage, Built]]
) -> None:
    # no check of ctx.stopping here: the sender stops taking, and this task is cancelled
    for row in rows:
        try:
            built: Built = build(row, ctx)
        except SendError as error:
            built = error
        await out.put((row, built))
        await asyncio.sleep(0)  # let the sender take its answer before building on


async def send_batch(
    ctx: Context,
    transport: Transport,
    batch: list[OutboxMessage],
    marks: Marks,
    tally: DispatchResult,
    *,
    renew: Callable[[list[int]], set[int]],
    failed_attempt: Callable[[list[int], SendError], tuple[int, int]],
) -> None:
    """Sends `batch` in order; `renew` extends the lease on the ids still to send and
    says which are still held, `failed_attempt` records a failure at once."""
    tally.claimed += len(batch)
    held = {row.id for row in batch if row.id is not None}
    last_renew = time.monotonic()
    queue: asyncio.Queue[tuple[OutboxMessage, Built]] = asyncio.Queue(maxsize=AHEAD)
    builder = asyncio.create_task(_builder(ctx, batch, queue))
    try:
        for index in range(len(batch)):
            if ctx.stopping.is_set():
                break
            row, built = await queue.get()
            assert row.id is not None
            if time.monotonic() - last_renew > RENEW_EVERY_SECONDS:
                held = renew([r.id for r in batch[index:] if r.id is not None])
                last_renew = time.monotonic()
            if row.id not in held:
                continue  # lease lost (or the message was erased) meanwhile: not ours to send
            try:
                if isinstance(built, SendError):
                    raise built
                MAIL_SEND_ATTEMPTS.inc()
                await _send(transport, built, row)
            except SendError as error:
                if isinstance(error, ConnectError):
                    rest = [r.id for r in batch[index:] if r.id in held]
                    retrying, failed = failed_attempt(rest, error)
                    tally.retrying += retrying
                    tally.failed += failed
                    log.warning("mail server unreachable, %d messages wait: %s", len(rest), error)
                    tally.unreachable = True
                    return
                retrying, failed = failed_attempt([row.id], error)
                tally.retrying += retrying
                tally.failed += failed
                log.warning("mail %s not sent: %s", row.message_id, error)
                continue
            marks.add(row.id)
            MAIL_SENT.inc()
            tally.sent += 1
    finally:
        builder.cancel()
        with suppress(asyncio.CancelledError):
            await builder
