"""The outbox dispatcher: claim due mail, send it outside any transaction, mark each
message the moment the server accepted it.

- **Claim** (`claim`): one short write transaction picks due, unclaimed rows and leases
  them to this worker (`claimed_by`, `claimed_until = now + LEASE`). SQLite: the write
  transaction starts with BEGIN IMMEDIATE, so two processes cannot pick the same rows;
  PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`. An expired lease is claimable again:
  that is the whole crash recovery (a killed worker's mail goes out once its lease ends).
- **Send** over one connection, no transaction open, the next messages built while the
  server answers; the lease is renewed while a batch is being sent, and the next batch
  is claimed (in a worker thread) while this one goes out (service/mail/sending.py).
- **Mark** what the server accepted (250) as sent right away, one UPDATE for all that
  were accepted since the previous UPDATE was written (group commit, in a worker
  thread): with a slow server that is each message alone, as before; a kill repeats at
  most the few accepted while one UPDATE was written, with the same Message-IDs.
- **Fail**: temporary errors (4xx, refused connection, timeouts) back off exponentially
  to at most 5 minutes; permanent ones (5xx, unusable address) are `failed` at once.
  `attempts` and `last_error` are kept either way. Mail that still fails after
  `GIVE_UP_AFTER` is `failed` too, so an outage never leaves mail queued forever unseen.
  Whatever goes wrong with one message (also an exception nobody foresaw while building
  or sending it) is that message's failure: it never ends the run, so it cannot hold up
  the mail claimed with it (issue 9: one non-ASCII address stopped all mail).

`dispatch(ctx)` is the sweep "dispatch_mail"; `release_claims(ctx)` hands this worker's
unsent claims back (graceful shutdown). Once `ctx.stopping` is set a running dispatch
ends after the message in hand and hands the rest of its claims back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Sequence
from contextlib import suppress
from datetime import timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlmodel import col

from service.core.context import Context
from service.core.metrics import MAIL_SEND_FAILURES
from service.mail.models import OutboxMessage
from service.mail.sending import DispatchResult, Marks, send_batch
from service.mail.transport import SendError, transport_for

__all__ = ["DispatchResult", "claim", "dispatch", "release_claims", "worker_id"]

log = logging.getLogger("fokus.mail")

LEASE = timedelta(seconds=20)
BACKOFF_BASE_SECONDS = 15.0
BACKOFF_CAP = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(days=3)
BATCH_SIZE = 100

_worker: tuple[int, str] | None = None


def worker_id() -> str:
    """hostname-pid-random, fresh in every process (also after a fork)."""
    global _worker
    pid = os.getpid()
    if _worker is None or _worker[0] != pid:
        _worker = (pid, f"{socket.gethostname()[:60]}-{pid}-{secrets.token_hex(4)}")
    return _worker[1]


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 1 min, 2 min, 4 min, then 5 min between attempts."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(0, min(attempts - 1, 20))
    return min(timedelta(seconds=seconds), BACKOFF_CAP)


def claim(
    ctx: Context, *, worker: str | None = None, limit: int = BATCH_SIZE
) -> list[OutboxMessage]:
    """Leases up to `limit` due messages to `worker`, oldest due first."""
    worker = worker or worker_id()
    now = ctx.clock.now()
    with ctx.db.write() as session:
        due = (
            select(col(OutboxMessage.id))
            .where(
                col(OutboxMessage.status) == "queued",
                col(OutboxMessage.next_attempt_at) <= now,
                or_(
                    col(OutboxMessage.claimed_until).is_(None),
                    col(OutboxMessage.claimed_until) < now,
                ),
            )
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(limit)
        )
        if ctx.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        ids = list(session.execute(due).scalars())
        if not ids:
            return []
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .values(claimed_by=worker, claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        rows = list(
            session.execute(
                select(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids))
                .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            ).scalars()
        )
        for row in rows:
            session.expunge(row)
    return rows


def renew(ctx: Context, ids: Sequence[int], *, worker: str | None = None) -> set[int]:
    """Extends this worker's lease on `ids`; returns the ids it still holds."""
    if not ids:
        return set()
    worker = worker or worker_id()
    now = ctx.clock.now()
    with ctx.db.write() as session:
        session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(list(ids)),
                col(OutboxMessage.claimed_by) == worker,
                col(OutboxMessage.status) == "queued",
            )
            .values(claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        held = session.execute(
            select(col(OutboxMessage.id)).where(
                col(OutboxMessage.id).in_(list(ids)),
                col(OutboxMessage.claimed_by) == worker,
                col(OutboxMessage.status) == "queued",
            )
        ).scalars()
        return set(held)


_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.status != "sent")
    .values(
        status="sent",
        sent_at=bindparam("now"),
        attempts=_OUTBOX.c.attempts + 1,
        claimed_until=None,  # claimed_by stays: it records which worker sent it
    )
)


def mark_sent_many(ctx: Context, message_ids: Sequence[int]) -> None:
    """Records accepted messages, in one transaction and one UPDATE. Recorded even if
    the lease ran out meanwhile: the server has them, so they must not go again."""
    with ctx.db.write() as session:
        # Core, not the ORM's bulk UPDATE: this runs for every group of accepted mail
        session.connection().execute(
            _MARK_SENT,
            {"ids": list(message_ids), "now": ctx.clock.now()},
        )


def mark_sent(ctx: Context, message_id: int) -> None:
    """Records one accepted message (see mark_sent_many)."""
    mark_sent_many(ctx, [message_id])


def mark_failed_attempt(
    ctx: Context, message_ids: Sequence[int], error: SendError, *, worker: str | None = None
) -> tuple[int, int]:
    """Counts a failed attempt on each message; returns (retrying, failed). Permanent
    errors fail the message at once: their text is what staff read as `last_error`."""
    worker = worker or worker_id()
    now = ctx.clock.now()
    retrying = failed = 0
    with ctx.db.write() as session:
        rows = session.execute(
            select(OutboxMessage).where(
                col(OutboxMessage.id).in_(list(message_ids)),
                col(OutboxMessage.status) == "queued",
                col(OutboxMessage.claimed_by) == worker,
            )
        ).scalars()
        for row in rows:
            row.attempts += 1
            row.last_error = str(error)[:2000]
            row.claimed_by = None
            row.claimed_until = None
            if error.permanent:
                row.status = "failed"
                failed += 1
            elif now - row.created_at > GIVE_UP_AFTER:
                row.status = "failed"
                row.last_error = f"gave up after {row.attempts} attempts: {error}"[:2000]
                failed += 1
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                retrying += 1
    kind = "permanent" if error.permanent else "temporary"
    MAIL_SEND_FAILURES.labels(kind=kind).inc(len(message_ids))
    return retrying, failed


def release_claims(ctx: Context, *, worker: str | None = None) -> int:
    """Hands this worker's unsent claims back at once (graceful shutdown), so another
    worker need not wait for the lease to run out. Returns how many were released."""
    worker = worker or worker_id()
    with ctx.db.write() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.claimed_by) == worker,
                col(OutboxMessage.status) == "queued",
            )
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _release_quietly(ctx: Context, worker: str) -> None:
    try:
        release_claims(ctx, worker=worker)
    except Exception:  # the database is the problem: the lease runs out by itself
        log.warning("could not hand claimed mail back", exc_info=True)


async def _dispatch(
    ctx: Context, worker: str, batch_size: int, max_seconds: float | None
) -> DispatchResult:
    total = DispatchResult()
    started = time.monotonic()
    # One SMTP connection, one message in flight (a kill repeats at most what was accepted
    # but not yet recorded, issue 3); building, recording and claiming overlap with it.
    transport = transport_for(ctx.settings)
    marks = Marks(lambda ids: mark_sent_many(ctx, ids))

    def claiming() -> asyncio.Task[list[OutboxMessage]]:
        return asyncio.create_task(asyncio.to_thread(claim, ctx, worker=worker, limit=batch_size))

    next_batch: asyncio.Task[list[OutboxMessage]] | None = claiming()
    completed = False
    try:
        while next_batch is not None and not ctx.stopping.is_set() and not total.unreachable:
            batch = await next_batch
            next_batch = None
            if not batch:
                break
            if max_seconds is None or time.monotonic() - started <= max_seconds:
                next_batch = claiming()  # the next batch is claimed while this one goes out
            await send_batch(
                ctx,
                transport,
                batch,
                marks,
                total,
                renew=lambda ids: renew(ctx, ids, worker=worker),
                failed_attempt=lambda ids, error: mark_failed_attempt(
                    ctx, ids, error, worker=worker
                ),
            )
        completed = True
    finally:
        # everything accepted is recorded before any claim is handed back
        try:
            await marks.close()
        finally:
            if next_batch is not None:
                with suppress(Exception):
                    await next_batch  # a claim under way ends before the claims go back
            if ctx.stopping.is_set() or not completed or total.unreachable:
                # stopping, or the run failed (the database went away): the rest of
                # the claims go back at once rather than after the lease
                _release_quietly(ctx, worker)
            await transport.close()
    return total


def dispatch(
    ctx: Context, *, batch_size: int = BATCH_SIZE, max_seconds: float | None = None
) -> DispatchResult:
    """Sends due mail until none is left (or `max_seconds` passed, or the process is
    stopping). Safe to run in any number of threads and processes at once: each message
    goes to one claimant."""
    return asyncio.run(_dispatch(ctx, worker_id(), batch_size, max_seconds))
