"""Group commit on SQLite: many writers' jobs share one transaction, a failing job is
undone alone, and a batch whose commit fails gives every job that error; after-commit
callbacks run once the batch committed, never for a failed job or a failed batch."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session, col

from service.core.commit_hooks import after_commit
from service.core.context import Context
from service.core.errors import Conflict
from service.core.write_queue import WriteQueue
from service.engagements.models import Engagement
from tests.support import Api

pytestmark = pytest.mark.sqlite_only


def _owner_job(eid: int, owner: str, fail: bool = False) -> Callable[[Session], str]:
    def job(session: Session) -> str:
        session.execute(
            text("UPDATE engagements SET owner = :o WHERE id = :i"), {"o": owner, "i": eid}
        )
        if fail:
            raise Conflict(f"{owner} refused")
        return owner

    return job


def test_jobs_of_one_batch_commit_together_and_a_failing_one_alone_is_undone(
    ctx: Context, staff: Api
) -> None:
    ids = [staff.engagement(municipality=f"Gemeinde {i}")["id"] for i in range(3)]
    writer = WriteQueue(ctx.db.write)
    gate = threading.Event()
    # the first job holds the writer until the others are queued: one batch of three
    blocker = writer.submit(lambda session: gate.wait(5))
    futures = [
        writer.submit(_owner_job(ids[0], "Jonas")),
        writer.submit(_owner_job(ids[1], "Mira", fail=True)),
        writer.submit(_owner_job(ids[2], "Lena")),
    ]
    gate.set()
    assert blocker.result(5) is True
    assert futures[0].result(5) == "Jonas"
    with pytest.raises(Conflict, match="Mira refused"):
        futures[1].result(5)
    assert futures[2].result(5) == "Lena"
    writer.close()
    with ctx.db.read() as session:
        rows = session.execute(select(col(Engagement.id), col(Engagement.owner))).all()
        owners = {eid: owner for eid, owner in rows}
    assert [owners[i] for i in ids] == ["Jonas", None, "Lena"]


def test_a_failed_commit_fails_every_job_of_the_batch(ctx: Context, staff: Api) -> None:
    eid = staff.engagement()["id"]
    writer = WriteQueue(ctx.db.write)
    gate = threading.Event()
    blocker = writer.submit(lambda session: gate.wait(5))

    def breaks_the_transaction(session: Session) -> None:
        # a deferred foreign-key violation is only noticed at COMMIT
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        session.execute(
            text(
                "INSERT INTO engagement_history (engagement_id, kind, actor, at) "
                "VALUES (999999, 'update', 'x', '2026-03-02 08:00:00')"
            )
        )

    good = writer.submit(_owner_job(eid, "Jonas"))
    bad = writer.submit(breaks_the_transaction)
    gate.set()
    for future in (blocker, good, bad):  # results are handed out only after the commit
        with pytest.raises(Exception, match="FOREIGN KEY"):
            future.result(5)
    writer.close()
    with ctx.db.read() as session:
        assert session.execute(select(col(Engagement.owner))).scalar_one() is None


def test_many_concurrent_transitions_through_the_writer_keep_every_rule(
    ctx: Context, staff: Api
) -> None:
    """Sixty requests on twenty engagements at once: per engagement one approve wins."""
    ids = [staff.engagement(municipality=f"Gemeinde {i}")["id"] for i in range(20)]

    def approve(eid: int) -> int:
        return staff.fire(eid, "approve", expected_version=1).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(approve, ids * 3))
    assert sorted(statuses) == [200] * 20 + [409] * 40
    with ctx.db.read() as session:
        versions = session.execute(
            select(func.count()).where(col(Engagement.version) == 2)
        ).scalar()
    assert versions == 20


def _registering(calls: list[str], name: str, fail: bool = False) -> Callable[[Session], str]:
    def job(session: Session) -> str:
        after_commit(session, lambda: calls.append(name))
        if fail:
            raise Conflict(f"{name} refused")
        return name

    return job


def test_after_commit_callbacks_run_once_the_batch_committed_and_not_for_a_failed_job(
    ctx: Context,
) -> None:
    calls: list[str] = []
    shared: list[str] = []
    writer = WriteQueue(ctx.db.write)
    gate = threading.Event()
    blocker = writer.submit(lambda session: gate.wait(5))

    def wake_once() -> None:
        shared.append("woken")

    def wake(session: Session) -> None:
        after_commit(session, wake_once)

    futures: list[Future[object]] = [
        writer.submit(_registering(calls, "Jonas")),
        writer.submit(_registering(calls, "Mira", fail=True)),
        writer.submit(wake),
        writer.submit(wake),  # registered by two jobs of one batch: runs once
        writer.submit(_registering(calls, "Lena")),
    ]
    gate.set()
    assert blocker.result(5) is True
    for future in futures:
        future.exception(5)
    writer.close()
    assert calls == ["Jonas", "Lena"]
    assert shared == ["woken"]


def test_after_commit_callbacks_do_not_run_when_the_batch_commit_fails(
    ctx: Context, staff: Api
) -> None:
    staff.engagement()
    calls: list[str] = []
    writer = WriteQueue(ctx.db.write)
    gate = threading.Event()
    blocker = writer.submit(lambda session: gate.wait(5))

    def breaks_the_commit(session: Session) -> None:
        after_commit(session, lambda: calls.append("broken"))
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        session.execute(
            text(
                "INSERT INTO engagement_history (engagement_id, kind, actor, at) "
                "VALUES (999999, 'update', 'x', '2026-03-02 08:00:00')"
            )
        )

    good = writer.submit(_registering(calls, "Jonas"))
    bad = writer.submit(breaks_the_commit)
    gate.set()
    for future in (blocker, good, bad):
        with pytest.raises(Exception, match="FOREIGN KEY"):
            future.result(5)
    writer.close()
    assert calls == []
