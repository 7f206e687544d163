"""Must show 3: the sweeper process is killed with SIGKILL in the middle of a batch of 60
invitations and started again; all 60 arrive within 60 s of the restart, at most one of
them twice (each message is marked sent as soon as the server accepted it)."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.context import Context
from service.mail.models import OutboxMessage
from tests.mail.conftest import SlowSink, queue_invitations, scheduler_process, stop_process
from tests.support import Api, wait_until


@pytest.mark.sqlite_only
def test_sigkill_mid_batch_then_restart_delivers_all_60(
    staff: Api, ctx: Context, tmp_path: Path
) -> None:
    _eid, _wid = queue_invitations(ctx, staff, 60)
    sink = SlowSink(delay=0.1).start()  # 100 ms per message: a batch takes seconds
    first = second = None
    try:
        first = scheduler_process(ctx, sink.url, tmp_path)
        wait_until(lambda: len(sink.messages) >= 12, timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        with sink.lock:
            before = len(sink.messages)
        with ctx.db.read() as session:
            claimed = session.execute(
                select(func.count()).where(
                    OutboxMessage.status == "queued",  # type: ignore[arg-type]
                    OutboxMessage.claimed_by.is_not(None),  # type: ignore[union-attr]
                )
            ).scalar_one()
        assert 12 <= before < 60
        assert claimed > 0  # killed while it still held claimed, unsent mail

        restarted = time.monotonic()
        second = scheduler_process(ctx, sink.url, tmp_path)

        def all_arrived() -> bool:
            with sink.lock:
                return len({str(m["Message-ID"]) for m in sink.messages}) >= 60

        wait_until(all_arrived, timeout=60, step=0.2)
        elapsed = time.monotonic() - restarted
        assert elapsed <= 60
        time.sleep(1.5)  # one more sweep: nothing else may arrive
        with sink.lock:
            counts = Counter(str(m["Message-ID"]) for m in sink.messages)
        assert len(counts) == 60
        assert sum(counts.values()) - 60 <= 1, counts.most_common(3)
        with ctx.db.read() as session:
            statuses = Counter(session.execute(select(OutboxMessage.status)).scalars())
        assert statuses == {"sent": 60}
        print(f"killed after {before} of 60; restart delivered the rest in {elapsed:.1f} s; "
              f"duplicates: {sum(counts.values()) - 60}")  # fmt: skip
    finally:
        for process in (first, second):
            if process is not None:
                stop_process(process)
        sink.stop()
