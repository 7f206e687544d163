"""Must show 5: state, history and keys survive a restart of the real `fokus` process
(the CLI creates the key, `fokus serve` serves, is stopped, and is started again)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from service.core.settings import Settings
from tests.support import ENGAGEMENT, free_port, wait_until

FOKUS = str(Path(sys.executable).parent / "fokus")


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "FOKUS_DATABASE_URL": settings.database_url,
        "FOKUS_SECRET_KEY": "restart-test-secret",
        "FOKUS_SCHEDULER_INTERVAL_SECONDS": "3600",
    }


@contextmanager
def _serving(settings: Settings, cwd: Path) -> Iterator[httpx.Client]:
    port = free_port()
    process = subprocess.Popen(
        [FOKUS, "serve", "--port", str(port)],
        cwd=cwd,
        env=_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        try:
            return httpx.get(f"{url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, timeout=30)
        with httpx.Client(base_url=url, timeout=10) as http:
            yield http
    finally:
        process.terminate()
        # uvicorn re-raises SIGTERM after a graceful shutdown, so -15 is a clean stop too
        assert process.wait(timeout=20) in (0, -15)


def test_state_history_and_keys_survive_a_restart(settings: Settings, tmp_path: Path) -> None:
    # as documented: the database is set up first; `apikey create` never creates one
    subprocess.run(
        [FOKUS, "db", "upgrade"], cwd=tmp_path, env=_env(settings), capture_output=True, check=True
    )
    created = subprocess.run(
        [FOKUS, "apikey", "create", "--name", "Lena Vogel", "--role", "staff"],
        cwd=tmp_path,
        env=_env(settings),
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {key}"}

    with _serving(settings, tmp_path) as http:
        eid = http.post("/api/v1/engagements", json=ENGAGEMENT, headers=auth).json()["id"]
        approved = http.post(
            f"/api/v1/engagements/{eid}/transitions",
            json={"trigger": "approve", "expected_version": 1, "note": "Bescheid"},
            headers=auth,
        )
        assert approved.status_code == 200, approved.text

    with _serving(settings, tmp_path) as http:
        engagement = http.get(f"/api/v1/engagements/{eid}", headers=auth).json()
        assert (engagement["state"], engagement["version"]) == ("onboarding", 2)
        assert engagement["funding_ends_at"] is not None
        history = http.get(f"/api/v1/engagements/{eid}/history", headers=auth).json()
        assert [(h["trigger"], h["actor"], h["note"]) for h in history] == [
            ("approve", "Lena Vogel", "Bescheid")
        ]
        assert http.get("/api/v1/engagements", headers={"Authorization": "Bearer x"}).is_error
