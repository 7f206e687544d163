"""Must show 2: two `fokus serve` replicas on one database, each running all sweeps.

1. A batch of 500 emails (300 workshop invitations, 100 deadline reminders, 100
   escalations), set up through both replicas alternately, is delivered exactly once:
   the SMTP server receives each outbox row once (by Message-ID), nothing stays queued,
   and both replicas took part in sending (their own /metrics counters).
2. Concurrent transitions on one engagement through both replicas keep the single-winner
   rule: one 200, every other request a 409, version + 1, one history entry.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.engagements.models import HistoryEntry
from service.mail.models import OutboxMessage
from tests.replicas.conftest import SUPERVISOR, Replica, all_running
from tests.support import ENGAGEMENT, SmtpSink
from tests.sweep_metrics import metric, wait_for_sweeps

INVITATION_ENGAGEMENTS, PARTICIPANTS_EACH = 3, 100  # 300 invitations
REMINDERS = 100
ESCALATIONS = 100
TOTAL = INVITATION_ENGAGEMENTS * PARTICIPANTS_EACH + REMINDERS + ESCALATIONS


class Clients:
    """HTTP clients for the replicas, handed out round-robin like a load balancer."""

    def __init__(self, replicas: list[Replica], key: str) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        self.clients = [httpx.Client(base_url=r.url, headers=headers, timeout=60) for r in replicas]
        self._next = itertools.cycle(self.clients)

    def next(self) -> httpx.Client:
        return next(self._next)

    def call(self, method: str, url: str, status: int, **kw: Any) -> Any:
        response = self.next().request(method, url, **kw)
        assert response.status_code == status, (url, response.status_code, response.text)
        return response.json() if response.content else None

    def close(self) -> None:
        for client in self.clients:
            client.close()


class Row:
    def __init__(self, kind: str, status: str, attempts: int, message_id: str) -> None:
        self.kind, self.status, self.attempts, self.message_id = kind, status, attempts, message_id


def _outbox(ctx: Context) -> list[Row]:
    with ctx.db.read() as session:
        return [
            Row(*r)
            for r in session.execute(
                select(
                    col(OutboxMessage.kind),
                    col(OutboxMessage.status),
                    col(OutboxMessage.attempts),
                    col(OutboxMessage.message_id),
                )
            ).all()
        ]


def _sample(replica: Replica, name: str, **labels: str) -> float:
    return metric(f"{replica.url}/metrics", name, **labels)


def _sent_by(replica: Replica) -> float:
    return _sample(replica, "fokus_mail_sent_total")


def test_500_emails_through_two_replicas_are_each_delivered_once(
    replicas: list[Replica], staff_key: str, ctx: Context, replica_sink: SmtpSink
) -> None:
    api = Clients(replicas, staff_key)
    try:
        now = datetime.now(UTC)
        # invitations: 3 engagements x 100 participants, one workshop each, invite all
        for e in range(INVITATION_ENGAGEMENTS):
            eid = api.call(
                "POST",
                "/api/v1/engagements",
                201,
                json={**ENGAGEMENT, "municipality": f"Einladungsgemeinde {e}"},
            )["id"]
            for p in range(PARTICIPANTS_EACH):
                api.call(
                    "POST",
                    f"/api/v1/engagements/{eid}/participants",
                    201,
                    json={"name": f"Person {e}-{p}", "email": f"p{e}.{p}@example.org"},
                )
            starts = (now + timedelta(days=20)).replace(microsecond=0)
            workshop = api.call(
                "POST",
                f"/api/v1/engagements/{eid}/workshops",
                201,
                json={
                    "title": f"Workshop {e}",
                    "location": "Rathaus",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=3)).isoformat(),
                },
            )
            queued = api.call(
                "POST", f"/api/v1/workshops/{workshop['id']}/invitations", 202, json={}
            )
            assert queued == {"queued": PARTICIPANTS_EACH}
        # reminders: deadlines moved to within the reminder window (reminded at once)
        # escalations: deadlines moved into the past (overdue: escalated at once)
        soon = (now + timedelta(days=1)).isoformat()
        past = (now - timedelta(days=10)).isoformat()
        for i in range(REMINDERS + ESCALATIONS):
            reminder = i < REMINDERS
            eid = api.call(
                "POST",
                "/api/v1/engagements",
                201,
                json={
                    **ENGAGEMENT,
                    "municipality": f"Fristgemeinde {i}",
                    "contact_email": f"kontakt{i}@example.org",
                },
            )["id"]
            api.call(
                "PATCH",
                f"/api/v1/engagements/{eid}/deadline",
                200,
                json={"due_at": soon if reminder else past, "reason": "Test"},
            )

        deadline = time.monotonic() + 120
        while True:
            rows = _outbox(ctx)
            waiting = [r for r in rows if r.status == "queued"]
            if len(rows) >= TOTAL and not waiting:
                break
            for replica in replicas:
                assert replica.proc.poll() is None, replica.output()
            assert time.monotonic() < deadline, (len(rows), len(waiting))
            time.sleep(0.2)
        with replica_sink.lock:
            delivered = len(replica_sink.messages)
        # both replicas sweep again (the deadline sweeps, then the dispatcher, twice each,
        # on their own /metrics): whatever they would queue or send twice, they now have
        for sweep in ("deadline_reminders", "deadline_escalations", "dispatch_mail"):
            wait_for_sweeps(
                [f"{r.url}/metrics" for r in replicas],
                sweep,
                alive=all_running(replicas),
            )

        rows = _outbox(ctx)
        kinds = Counter(r.kind for r in rows)
        assert kinds == {"invitation": 300, "reminder": REMINDERS, "escalation": ESCALATIONS}
        assert {r.status for r in rows} == {"sent"}
        assert all(r.attempts == 1 for r in rows)
        with replica_sink.lock:
            received = [m["Message-ID"] for m in replica_sink.messages]
        assert len(received) == delivered == TOTAL
        assert Counter(received) == Counter(r.message_id for r in rows)  # each exactly once
        escalated = [env for env in replica_sink.envelopes if SUPERVISOR in env[1]]
        assert len(escalated) == ESCALATIONS

        sent = [_sent_by(replica) for replica in replicas]
        assert sum(sent) == TOTAL
        assert all(n > 0 for n in sent), f"both replicas should send: {sent}"
        for sweep in ("dispatch_mail", "deadline_reminders", "deadline_escalations"):
            runs = [_sample(r, "fokus_sweep_duration_seconds_count", sweep=sweep) for r in replicas]
            assert all(n >= 3 for n in runs), (sweep, runs)  # both replicas kept sweeping
    finally:
        api.close()


def test_concurrent_transitions_through_both_replicas_have_one_winner(
    replicas: list[Replica], staff_key: str, ctx: Context
) -> None:
    api = Clients(replicas, staff_key)
    rounds, per_round = 12, 16
    try:
        ids = [
            api.call(
                "POST",
                "/api/v1/engagements",
                201,
                json={**ENGAGEMENT, "municipality": f"Wettlauf {n}"},
            )["id"]
            for n in range(rounds)
        ]
        clients = api.clients

        def fire(args: tuple[int, int]) -> int:
            eid, n = args
            body: dict[str, Any] = {"trigger": "approve" if n % 2 else "reject"}
            if n % 4 == 0:
                body["expected_version"] = 1
            response = clients[n % 2].post(f"/api/v1/engagements/{eid}/transitions", json=body)
            assert response.status_code in (200, 409), response.text
            return response.status_code

        with ThreadPoolExecutor(per_round) as pool:
            for eid in ids:
                statuses = list(pool.map(fire, [(eid, n) for n in range(per_round)]))
                assert statuses.count(200) == 1, statuses
                assert statuses.count(409) == per_round - 1

        for eid in ids:
            engagement = api.call("GET", f"/api/v1/engagements/{eid}", 200)
            assert engagement["version"] == 2
            assert engagement["state"] in ("onboarding", "rejected")
        with ctx.db.read() as session:
            transitions = session.execute(
                select(col(HistoryEntry.engagement_id)).where(
                    col(HistoryEntry.kind) == "transition"
                )
            ).all()
        assert sorted(eid for (eid,) in transitions) == sorted(ids)
    finally:
        api.close()
