"""`fokus serve --workers N` (issue 16): on PostgreSQL N worker processes, each a replica
with its own sweeps (the claims the two-replica tests show make that safe), answer
requests and stop on SIGTERM; on SQLite the command refuses with one line, since one
process is the right shape for a single-writer database (docs/performance.md)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from service.core.context import Context
from tests.replicas.conftest import FOKUS, Replica
from tests.support import ENGAGEMENT


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


@pytest.mark.postgres_only
def test_two_workers_start_serve_and_stop(ctx: Context, tmp_path: Path, staff_key: str) -> None:
    env = {
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SECRET_KEY": "workers-secret",
        "FOKUS_LOG_FORMAT": "json",
        "FOKUS_SCHEDULER_INTERVAL_SECONDS": "0.5",
    }
    server = Replica("workers", env, tmp_path, "--workers", "2")
    try:
        server.wait_ready(timeout=60)
        assert len(_children(server.proc.pid)) >= 2, server.output()
        headers = {"Authorization": f"Bearer {staff_key}"}
        made = []
        # new connections each time: the kernel hands them to either worker
        for _ in range(6):
            response = httpx.post(
                f"{server.url}/api/v1/engagements", json=ENGAGEMENT, headers=headers, timeout=30
            )
            assert response.status_code == 201, response.text
            made.append(response.json()["id"])
        for eid in made:
            response = httpx.get(
                f"{server.url}/api/v1/engagements/{eid}", headers=headers, timeout=30
            )
            assert response.status_code == 200, response.text
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
        server.assert_running()
    finally:
        server.stop()
    assert server.proc.returncode == 0, server.output()


@pytest.mark.sqlite_only
def test_workers_on_sqlite_refuse_with_one_line(ctx: Context, tmp_path: Path) -> None:
    env = {"FOKUS_DATABASE_URL": ctx.settings.database_url, "FOKUS_SECRET_KEY": "x"}
    result = subprocess.run(
        [FOKUS, "serve", "--workers", "2", "--port", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("fokus:")]
    assert lines == [
        "fokus: --workers 2 needs PostgreSQL; on SQLite one process is the right shape "
        "(one writer at a time): leave out --workers"
    ], result.stderr
    assert "Traceback" not in result.stderr
