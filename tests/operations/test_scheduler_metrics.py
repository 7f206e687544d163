"""`fokus scheduler --metrics-port` honours FOKUS_METRICS_TOKEN like `GET /metrics` of
`fokus serve`: with the token set, a scrape without it (or with another) gets 401."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from service.core.context import Context
from service.observability.metrics_server import bearer_accepted
from tests.support import free_port

FOKUS = str(Path(sys.executable).parent / "fokus")


def start_scheduler(ctx: Context, cwd: Path, port: int, **env: str) -> subprocess.Popen[str]:
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SECRET_KEY": "scheduler-metrics",
        "FOKUS_VAR_DIR": str(cwd / "var"),
        "FOKUS_LOG_FORMAT": "json",
        **env,
    }
    return subprocess.Popen(
        [FOKUS, "scheduler", "--metrics-port", str(port)],
        cwd=cwd,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_answer(proc: subprocess.Popen[str], url: str, **kw: Any) -> httpx.Response:
    """The first response of the metrics port, waiting until the process listens."""
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, proc.communicate()
        try:
            return httpx.get(url, timeout=2, **kw)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the metrics port never answered"
            time.sleep(0.1)


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return err


def test_with_a_metrics_token_the_scheduler_port_requires_it(ctx: Context, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    proc = start_scheduler(ctx, tmp_path, port, FOKUS_METRICS_TOKEN="scrape-me-7")
    try:
        anonymous = first_answer(proc, url)
        assert anonymous.status_code == 401
        assert anonymous.json() == {"detail": "a valid metrics bearer token is required"}
        assert anonymous.headers["www-authenticate"] == "Bearer"
        wrong = httpx.get(url, headers={"Authorization": "Bearer scrape-me-8"}, timeout=5)
        assert wrong.status_code == 401
        other_path = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert other_path.status_code == 401

        scraped = httpx.get(url, headers={"Authorization": "Bearer scrape-me-7"}, timeout=5)
        assert scraped.status_code == 200
        names = {f.name for f in text_string_to_metric_families(scraped.text)}
        assert {"fokus_mail_sent", "fokus_sweep_duration_seconds"} <= names
    finally:
        err = stop(proc)
    assert "bearer token required" in err
    assert "scrape-me-7" not in err


def test_without_a_token_the_scheduler_port_stays_open(ctx: Context, tmp_path: Path) -> None:
    port = free_port()
    proc = start_scheduler(ctx, tmp_path, port)
    try:
        response = first_answer(proc, f"http://127.0.0.1:{port}/metrics")
        assert response.status_code == 200
        assert "fokus_sweep_duration_seconds" in response.text
    finally:
        stop(proc)


def test_the_token_check_is_exact() -> None:
    assert bearer_accepted(None, "")
    assert bearer_accepted("", "anything")
    assert bearer_accepted("t0k", "Bearer t0k")
    for given in ("", "t0k", "Bearer t0k ", "bearer t0k", "Bearer t0", "Bearer t0kk", "Basic t0k"):
        assert not bearer_accepted("t0k", given), given
