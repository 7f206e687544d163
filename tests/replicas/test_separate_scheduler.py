"""The documented alternative: replicas with `--no-scheduler` and one `fokus scheduler`
process that runs all sweeps. Mail queued through the replicas is sent by the scheduler
process alone, once."""

from __future__ import annotations

from pathlib import Path

import httpx

from service.core.context import Context
from tests.replicas.conftest import Replica, all_running
from tests.replicas.test_two_replicas import Clients, _outbox, _sent_by
from tests.support import ENGAGEMENT, SmtpSink, wait_until
from tests.sweep_metrics import sweep_runs, wait_for_sweeps


def test_replicas_without_sweeps_and_one_scheduler_process(
    ctx: Context, staff_key: str, tmp_path: Path, replica_sink: SmtpSink
) -> None:
    env = {
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SECRET_KEY": "replica-secret",
        "FOKUS_SMTP_URL": replica_sink.url,
        "FOKUS_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "FOKUS_LOG_FORMAT": "json",
    }
    started: list[Replica] = []
    try:
        for name in ("web-a", "web-b", "sweeper"):
            (tmp_path / name).mkdir()
        web = [Replica(name, env, tmp_path / name, "--no-scheduler") for name in ("web-a", "web-b")]
        started.extend(web)
        for replica in web:
            replica.wait_ready()
        api = Clients(web, staff_key)
        try:
            for n in range(6):
                eid = api.call(
                    "POST",
                    "/api/v1/engagements",
                    201,
                    json={**ENGAGEMENT, "municipality": f"Gemeinde {n}"},
                )["id"]
                api.call(
                    "POST",
                    f"/api/v1/engagements/{eid}/participants",
                    201,
                    json={"name": "Petra Klein", "email": f"petra{n}@example.org"},
                )
                api.call(
                    "POST",
                    f"/api/v1/engagements/{eid}/transitions",
                    200,
                    json={"trigger": "approve"},
                )
        finally:
            api.close()
        queued = _outbox(ctx)
        assert len(queued) == 6
        assert {row.status for row in queued} == {"queued"}
        assert not replica_sink.messages
        for replica in web:
            assert "(sweeps off)" in replica.output()

        scheduler = Replica("sweeper", env, tmp_path / "sweeper", command="scheduler")
        started.append(scheduler)
        metrics = f"{scheduler.url}/metrics"  # --metrics-port
        wait_until(lambda: {row.status for row in _outbox(ctx)} == {"sent"}, timeout=30)
        # two more dispatcher runs of the scheduler process: nothing comes twice
        wait_for_sweeps([metrics], "dispatch_mail", alive=all_running(started))
        assert sorted(m["Message-ID"] for m in replica_sink.messages) == sorted(
            row.message_id for row in queued
        )
        assert [_sent_by(replica) for replica in web] == [0.0, 0.0]
        # while the scheduler process swept again and again, the web replicas never ran
        # a sweep at all (they would have, at the same interval, without --no-scheduler)
        assert sweep_runs(metrics, "dispatch_mail") >= 3
        for sweep in ("dispatch_mail", "deadline_reminders", "deadline_escalations"):
            assert [sweep_runs(f"{r.url}/metrics", sweep) for r in web] == [0, 0], sweep
        assert _sent_by(scheduler) == 6  # its own /metrics (--metrics-port)
        assert all(httpx.get(f"{r.url}/health").status_code == 200 for r in web)
    finally:
        for replica in started:
            replica.stop()
    assert scheduler.proc.returncode == 0
    assert "fokus scheduler stopped" in scheduler.output()
