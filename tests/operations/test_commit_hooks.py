"""After-commit hooks (service/core/commit_hooks.py): a registered callback runs once
after the write transaction commits, never after a rollback; queued mail wakes the
dispatcher through it, whichever path wrote it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from service.core.commit_hooks import after_commit
from service.core.context import Context
from tests.support import Api


class _Calls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def test_a_callback_runs_once_after_the_commit(ctx: Context) -> None:
    calls = _Calls()
    seen_inside: list[int] = []
    with ctx.db.write() as session:
        session.execute(text("SELECT 1"))
        after_commit(session, calls)
        after_commit(session, calls)  # registered twice: runs once
        seen_inside.append(calls.count)
    assert seen_inside == [0]  # not before the commit
    assert calls.count == 1


def test_a_callback_does_not_run_after_a_rollback(ctx: Context) -> None:
    calls = _Calls()
    with pytest.raises(RuntimeError), ctx.db.write() as session:
        after_commit(session, calls)
        raise RuntimeError("refused")
    assert calls.count == 0


def test_a_failing_callback_neither_fails_the_commit_nor_stops_the_others(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    calls = _Calls()

    def broken() -> None:
        raise ValueError("broken hook")

    with ctx.db.write() as session:
        after_commit(session, broken)
        after_commit(session, calls)
    assert calls.count == 1
    assert "broken hook" in caplog.text


def test_queued_mail_wakes_the_dispatcher_after_the_request_commits(
    ctx: Context, staff: Api
) -> None:
    eid = staff.engagement()["id"]
    staff.participant(eid)
    ctx.mail_wakeup.clear()
    staff.ok(staff.fire(eid, "approve"))  # the stage notice: through the group commit
    assert ctx.mail_wakeup.is_set()
    ctx.mail_wakeup.clear()
    staff.ok(staff.fire(eid, "approve"), 409)  # refused: nothing queued, nobody woken
    assert not ctx.mail_wakeup.is_set()
