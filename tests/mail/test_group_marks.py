"""Accepted mail is recorded in groups (issue 16): one UPDATE for everything the server
accepted while the previous UPDATE was being written, never one per message once the
server is faster than the database, and never held back until a batch ends."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

from sqlalchemy import event, select
from sqlmodel import col

from service.core.context import Context
from service.mail.dispatch import mark_sent_many
from service.mail.models import OutboxMessage
from service.mail.sending import Marks
from tests.mail.conftest import Send, setup_workshop
from tests.support import Api, SmtpSink


def test_what_is_accepted_while_a_write_runs_goes_in_the_next_write() -> None:
    writes: list[list[int]] = []
    first_started, release_first = threading.Event(), threading.Event()

    def write(ids: list[int]) -> None:
        if not writes:
            first_started.set()
            release_first.wait(timeout=10)  # the database is slow this once
        writes.append(ids)

    async def scenario() -> None:
        marks = Marks(write)
        marks.add(1)
        while not first_started.is_set():  # the first UPDATE is being written
            await asyncio.sleep(0.001)
        for message_id in (2, 3, 4, 5):
            marks.add(message_id)
        release_first.set()
        await marks.close()

    asyncio.run(scenario())
    assert writes == [[1], [2, 3, 4, 5]]


def test_a_lone_message_is_recorded_at_once_not_at_the_end_of_its_batch() -> None:
    writes: list[list[int]] = []

    async def scenario() -> None:
        marks = Marks(writes.append)
        marks.add(7)
        await marks.flush()
        assert writes == [[7]]  # recorded before anything else was sent
        marks.add(8)
        await marks.close()

    asyncio.run(scenario())
    assert writes == [[7], [8]]


def test_a_failed_write_stops_the_sending() -> None:
    def write(ids: list[int]) -> None:
        raise RuntimeError("database gone")

    async def scenario() -> None:
        marks = Marks(write)
        marks.add(1)
        try:
            await marks.flush()
        except RuntimeError:
            pass
        else:  # pragma: no cover
            raise AssertionError("the failure was swallowed")
        try:
            marks.add(2)
        except RuntimeError:
            return
        raise AssertionError("sent on although nothing could be recorded")  # pragma: no cover

    asyncio.run(scenario())


def test_many_marked_in_one_update_and_one_per_group(
    staff: Api, ctx: Context, send: Send, smtp_sink: SmtpSink
) -> None:
    _eid, _pids, wid = setup_workshop(staff, people=12)
    staff.ok(staff.post(f"/api/v1/workshops/{wid}/invitations"), 202)
    with ctx.db.read() as session:
        invitations = col(OutboxMessage.kind) == "invitation"
        ids = list(session.execute(select(col(OutboxMessage.id)).where(invitations)).scalars())
    updates: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("UPDATE outbox_messages SET status"):
            updates.append(statement)

    event.listen(ctx.db.write_engine, "before_cursor_execute", count)
    try:
        mark_sent_many(ctx, ids)
        mark_sent_many(ctx, ids)  # again: nothing changes (attempts counted once)
    finally:
        event.remove(ctx.db.write_engine, "before_cursor_execute", count)
    assert len(updates) == 2
    with ctx.db.read() as session:
        rows = session.execute(
            select(col(OutboxMessage.status), col(OutboxMessage.attempts)).where(invitations)
        ).all()
    assert Counter(rows) == {("sent", 1): 12}
    send()
    assert not [m for m in smtp_sink.messages if "Einladung" in str(m["Subject"])]
