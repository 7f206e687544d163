"""Graceful shutdown with real processes: SIGTERM to a replica in the middle of sending
a batch. It stops after the message in hand, marks what the server accepted, and hands
the rest of its claimed mail back at once, so the next replica sends it without waiting
for the lease; every email arrives exactly once."""

from __future__ import annotations

import asyncio
import email
import email.policy
import signal
import threading
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.mail.dispatch import LEASE
from service.mail.models import OutboxMessage
from tests.replicas.conftest import Replica
from tests.support import Api, free_port
from tests.sweep_metrics import wait_for_sweeps

INVITEES = 30
DELAY = 0.15  # seconds the SMTP server takes per message


class SlowSink:
    def __init__(self) -> None:
        self.port = free_port()
        self.message_ids: list[str] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        await asyncio.sleep(DELAY)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.message_ids.append(str(message["Message-ID"]))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.message_ids)


def _rows(ctx: Context) -> list[tuple[str, str | None, str]]:
    with ctx.db.read() as session:
        return [
            (status, claimed_by, message_id)
            for status, claimed_by, message_id in session.execute(
                select(
                    col(OutboxMessage.status),
                    col(OutboxMessage.claimed_by),
                    col(OutboxMessage.message_id),
                )
            ).all()
        ]


def test_sigterm_mid_batch_finishes_or_releases_the_claimed_mail(
    staff: Api, ctx: Context, tmp_path: Path
) -> None:
    eid = staff.engagement()["id"]
    for n in range(INVITEES):
        staff.participant(eid, name=f"Person {n}", email=f"person{n}@example.org")
    workshop = staff.workshop(eid)
    assert staff.ok(staff.post(f"/api/v1/workshops/{workshop['id']}/invitations", json={}), 202)
    sink = SlowSink()
    sink.controller.start()
    env = {
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SECRET_KEY": "test-secret",
        "FOKUS_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "FOKUS_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "FOKUS_LOG_FORMAT": "json",
    }
    first = second = None
    try:
        (tmp_path / "a").mkdir()
        first = Replica("replica-a", env, tmp_path / "a")
        first.wait_ready()
        deadline = time.monotonic() + 30
        while sink.count() < 3:
            assert time.monotonic() < deadline, first.output()
            time.sleep(0.02)
        stopping = time.monotonic()
        first.proc.send_signal(signal.SIGTERM)
        first.proc.wait(timeout=30)
        assert time.monotonic() - stopping < 10
        assert "fokus stopped cleanly" in first.output()

        rows = _rows(ctx)
        sent = [mid for status, _by, mid in rows if status == "sent"]
        assert 3 <= len(sent) < INVITEES  # stopped mid-batch ...
        assert sorted(sent) == sorted(sink.message_ids)  # ... and marked what went out
        assert all(by is None for status, by, _ in rows if status == "queued")  # released

        (tmp_path / "b").mkdir()
        restarted = time.monotonic()
        second = Replica("replica-b", env, tmp_path / "b")
        second.wait_ready()
        while sink.count() < INVITEES:
            assert time.monotonic() - restarted < LEASE.total_seconds(), "waited for a lease"
            time.sleep(0.05)
        # two more dispatcher runs of the second replica (its /metrics): nothing comes twice
        wait_for_sweeps([f"{second.url}/metrics"], "dispatch_mail", alive=second.assert_running)
        assert sorted(sink.message_ids) == sorted(mid for _s, _b, mid in _rows(ctx))
        assert {status for status, _by, _mid in _rows(ctx)} == {"sent"}
    finally:
        for replica in (first, second):
            if replica is not None:
                replica.stop()
        sink.controller.stop()
