"""The Dockerfile's commands, verified outside a container (no Docker engine here): the
image's ENTRYPOINT + CMD run from an empty directory with only the FOKUS_* variables the
Dockerfile sets (plus the database URL compose would give), /health, /metrics, the
HEALTHCHECK command, JSON logs, and a clean stop on SIGTERM. Also: compose.yaml is sane."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class Image:
    """What the final stage of the Dockerfile sets."""

    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    user: str | None = None


def _exec_form(text: str) -> list[str]:
    words = json.loads(text)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), text
    return words


def dockerfile() -> Image:
    """ENV, ENTRYPOINT, CMD, HEALTHCHECK CMD and USER of the final stage."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]
    image = Image()
    for line in final.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                image.env[key] = value
        elif word == "ENTRYPOINT":
            image.entrypoint = _exec_form(rest)
        elif word == "CMD":
            image.cmd = _exec_form(rest)
        elif word == "USER":
            image.user = rest
        elif word == "HEALTHCHECK":
            image.healthcheck = _exec_form(rest[rest.index("CMD") + 3 :].strip())
    return image


def test_the_dockerfile_runs_fokus_serve_as_a_non_root_user() -> None:
    image = dockerfile()
    assert image.entrypoint == ["fokus"]
    assert image.cmd[:3] == ["serve", "--host", "0.0.0.0"]
    assert image.user not in ("root", "0", None)
    assert all(key.startswith(("FOKUS_", "PATH", "PYTHON")) for key in image.env)
    assert "FROM python:3.11-slim" in (ROOT / "Dockerfile").read_text()


def test_the_image_commands_serve_health_and_metrics_and_stop_cleanly(
    database_url: str, tmp_path: Path
) -> None:
    image = dockerfile()
    data = tmp_path / "data"  # plays /data, the image's volume and working directory
    data.mkdir()
    env = {
        key: value.replace("/data", str(data))
        for key, value in image.env.items()
        if key.startswith("FOKUS_")
    }
    if database_url.startswith("postgresql"):
        env["FOKUS_DATABASE_URL"] = database_url  # as compose.yaml configures it
    port = free_port()
    command = [str(BIN / image.entrypoint[0])] + [
        str(port) if arg == "8000" else arg for arg in image.cmd
    ]
    proc = subprocess.Popen(
        command, cwd=data, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "fokus serve did not answer /health"
            time.sleep(0.1)

        check = [
            sys.executable if arg == "python" else arg.replace(":8000/", f":{port}/")
            for arg in image.healthcheck
        ]
        assert subprocess.run(check, timeout=10).returncode == 0

        response = httpx.get(f"{base}/metrics", headers={"X-Request-ID": "probe-1"}, timeout=5)
        assert response.status_code == 200
        assert response.headers["x-request-id"] == "probe-1"
        denied = httpx.get(
            f"{base}/api/v1/engagements", headers={"X-Request-ID": "probe-2"}, timeout=5
        )
        assert denied.status_code == 401 and denied.headers["x-request-id"] == "probe-2"
        names = {f.name for f in text_string_to_metric_families(response.text)}
        assert {"fokus_http_requests", "fokus_outbox_messages", "fokus_database_up"} <= names
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=40)
    # uvicorn re-raises the SIGTERM it handled after the graceful shutdown
    assert proc.returncode in (0, -signal.SIGTERM), (proc.returncode, err)
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]  # all JSON
    messages = [e["msg"] for e in entries]
    assert any(m.startswith("fokus listening on http://0.0.0.0:") for m in messages)
    assert "fokus stopped cleanly" in messages
    assert any(e.get("request_id") == "probe-2" and e.get("status") == 401 for e in entries)
    if not database_url.startswith("postgresql"):
        assert (data / "fokus.db").exists()  # the database lands in the volume


def test_compose_runs_postgres_a_migration_and_two_replicas() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:15")
    assert services["migrate"]["command"] == ["db", "upgrade"]
    replicas = [s for name, s in services.items() if name.startswith("fokus-")]
    assert len(replicas) >= 2
    for replica in replicas:
        assert set(replica["environment"]) == set(services["migrate"]["environment"])
        assert all(key.startswith("FOKUS_") for key in replica["environment"])
        assert replica["environment"]["FOKUS_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert replica["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
