"""Must show 4: two dispatcher processes on one (SQLite) database send a batch of 300
invitations without a single duplicate, and both of them take part."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.mail.models import OutboxMessage
from tests.mail.conftest import SlowSink, queue_invitations, scheduler_process, stop_process
from tests.support import Api, wait_until


@pytest.mark.sqlite_only
def test_two_processes_send_300_without_a_duplicate(
    staff: Api, ctx: Context, tmp_path: Path
) -> None:
    queue_invitations(ctx, staff, 300)
    sink = SlowSink(delay=0.02).start()
    processes = []
    try:
        processes = [scheduler_process(ctx, sink.url, tmp_path) for _ in range(2)]
        wait_until(lambda: len(sink.messages) >= 300, timeout=45, step=0.2)
        for process in processes:
            stop_process(process)
        with sink.lock:
            counts = Counter(str(m["Message-ID"]) for m in sink.messages)
            recipients = Counter(r for _f, rcpts in sink.envelopes for r in rcpts)
        assert len(counts) == 300 and max(counts.values()) == 1
        assert len(recipients) == 300 and max(recipients.values()) == 1
        with ctx.db.read() as session:
            rows = session.execute(
                select(col(OutboxMessage.status), col(OutboxMessage.claimed_by))
            ).all()
        assert Counter(status for status, _ in rows) == {"sent": 300}
        senders = Counter(worker for _, worker in rows)
        assert len(senders) == 2, senders  # both processes sent a share
        print(f"messages per dispatcher: {sorted(senders.values())}")
    finally:
        for process in processes:
            stop_process(process)
        sink.stop()
