"""A throw-away PostgreSQL server for tests and benchmarks (no pytest needed).

    server = PostgresServer().start()
    url = server.create_database("fokus")   # postgresql+psycopg://postgres@127.0.0.1:PORT/fokus
    ...
    server.stop()

The server runs from the Debian binaries (/usr/lib/postgresql/15/bin) in a temporary
directory, on 127.0.0.1 with a free port, trust authentication, and fsync off (tests
do not need durability). PostgreSQL refuses to run as root: when we are root, every
server command runs as the `postgres` OS user (runuser), and the directory is handed
to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import psycopg
from psycopg import sql

PG_BIN = Path(os.environ.get("FOKUS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"


def unavailable_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root and there is no {OS_USER!r} OS user to run the server"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.root: Path | None = None
        self._counter = 0
        self._lock = threading.Lock()

    # -- life cycle -------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root / "sock"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", OS_USER, "--", *command]
        return subprocess.run(
            command,
            check=check,
            capture_output=True,
            text=True,
            cwd=str(self.root) if self.root else None,
            timeout=120,
        )

    def start(self) -> PostgresServer:
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        self.root = Path(tempfile.mkdtemp(prefix="fokus-pg-"))
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam(OS_USER)
            for path in (self.root, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        try:
            self._run(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            options = (
                f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                " -c max_connections=300 -c shared_buffers=64MB"
            )
            self._run(
                str(PG_BIN / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.root / "server.log"),
                "-o",
                options,
            )
        except subprocess.CalledProcessError as exc:
            log = self.log_tail()
            self._remove()
            raise RuntimeError(
                f"could not start PostgreSQL: {exc.stderr or exc.stdout}\n{log}"
            ) from exc
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        if self.data_dir.exists():
            self._run(
                str(PG_BIN / "pg_ctl"),
                "stop",
                "-m",
                "immediate",
                "-D",
                str(self.data_dir),
                check=False,
            )
        self._remove()

    def _remove(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def log_tail(self, lines: int = 30) -> str:
        if self.root is None or not (self.root / "server.log").exists():
            return ""
        return "\n".join((self.root / "server.log").read_text().splitlines()[-lines:])

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- databases --------------------------------------------------------------------
    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def dsn(self, name: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={name}"

    def execute(self, statement: sql.Composed, database: str = "postgres") -> None:
        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Creates a database (optionally a copy of `template`) and returns its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def unique_name(self, prefix: str = "fokus") -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}_{os.getpid()}_{self._counter}"


if __name__ == "__main__":  # a quick manual check: python -m tests.postgres
    with PostgresServer() as server:
        print(server.create_database("smoke"))
