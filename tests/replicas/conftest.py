"""Two real `fokus serve` processes on one database, each with its own sweeps, for the
replica tests. They use the system clock (real processes); the test's `ctx` points at
the same database for setting up keys and reading the outcome."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from service.auth.keys import Role, create_key
from service.core.context import Context
from tests.support import SmtpSink, free_port

FOKUS = str(Path(sys.executable).parent / "fokus")
SUPERVISOR = "aufsicht@agentur.example"


class Replica:
    def __init__(
        self, name: str, env: dict[str, str], cwd: Path, *options: str, command: str = "serve"
    ) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = cwd / f"{name}.log"
        self.log = self.log_path.open("w+")
        args = [command, "--port" if command == "serve" else "--metrics-port", str(self.port)]
        args += options
        self.proc = subprocess.Popen(
            [FOKUS, *args],
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not start:\n{self.output()}")

    def assert_running(self) -> None:
        """Fails the test, with the process's log, if it has exited."""
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n{self.output()}")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text()[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def all_running(replicas: Sequence[Replica]) -> Callable[[], None]:
    """A check for waits: fails the test as soon as one of `replicas` has exited."""

    def check() -> None:
        for replica in replicas:
            replica.assert_running()

    return check


@pytest.fixture
def replica_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def replicas(ctx: Context, tmp_path: Path, replica_sink: SmtpSink) -> Iterator[list[Replica]]:
    """Two `fokus serve` processes (API + sweeps every 0.5 s) on the test's database."""
    env = {
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SECRET_KEY": "replica-secret",  # the same on every replica
        "FOKUS_SMTP_URL": replica_sink.url,
        "FOKUS_SUPERVISOR_EMAILS": SUPERVISOR,
        "FOKUS_MAIL_FROM": "fokusberatung@agentur.example",
        "FOKUS_BASE_URL": "http://fokus.example",
        "FOKUS_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "FOKUS_LOG_FORMAT": "json",
    }
    started: list[Replica] = []
    try:
        for name in ("replica-a", "replica-b"):
            workdir = tmp_path / name
            workdir.mkdir()
            started.append(Replica(name, {**env, "FOKUS_VAR_DIR": str(workdir / "var")}, workdir))
        for replica in started:
            replica.wait_ready()
        yield started
    finally:
        for replica in started:
            replica.stop()


@pytest.fixture
def staff_key(ctx: Context) -> str:
    with ctx.db.write() as session:
        _row, key = create_key(session, ctx.clock, name="Lena Vogel", role=Role.staff)
    return key
