"""p50 latency of `GET /api/v1/overdue` on 1 000 and on 100 000 engagements, and their
ratio (issue 4, goal: ratio <= 2: the view's cost follows the page, not the table).

Each database is a fresh SQLite file (default) or a throw-away PostgreSQL 15
(`--database postgresql`), filled by `fokus demo --engagements N` in a subprocess (bulk
inserts, about a third of the engagements overdue). The app is served in this process
through FastAPI's TestClient with a supervisor key and the system clock; the default
page (limit 100) is requested `--requests` times after a warm-up, alternating the two
databases so that machine load hits both alike.

    .venv/bin/python bench/overdue.py [--small 1000] [--large 100000] [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/ itself must not be on the path: bench/transitions.py would shadow the package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
FOKUS = str(Path(sys.executable).parent / "fokus")

from fastapi.testclient import TestClient  # noqa: E402

from service.app import create_app  # noqa: E402
from service.auth.keys import Role, create_key  # noqa: E402
from service.core.context import Context  # noqa: E402
from service.core.settings import Settings  # noqa: E402


def load(url: str, count: int, workdir: Path) -> float:
    env = {**os.environ, "FOKUS_DATABASE_URL": url, "FOKUS_SECRET_KEY": "bench"}
    # `demo` never creates a database: set it up first (not part of the timed load)
    subprocess.run([FOKUS, "db", "upgrade"], cwd=workdir, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        [FOKUS, "demo", "--engagements", str(count)],
        cwd=workdir,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def filled(
    stack: ExitStack, tmp: Path, database: str, counts: tuple[int, ...]
) -> list[tuple[str, int]]:
    """One database per count (SQLite files under `tmp`, or databases of one throw-away
    PostgreSQL that `stack` stops), each filled by `fokus demo`: (url, count) each."""
    server = None
    if database == "postgresql":
        from tests.postgres import PostgresServer

        server = PostgresServer().start()
        stack.callback(server.stop)
    made = []
    for count in counts:
        workdir = tmp / str(count)
        workdir.mkdir()
        if server is not None:
            url = server.create_database(f"bench_{count}")
        else:
            url = f"sqlite:///{workdir / 'fokus.db'}"
        seconds = load(url, count, workdir)
        if server is not None:
            vacuum(url)
        print(f"load {count:>7} engagements (fokus demo): {seconds:6.1f} s", flush=True)
        made.append((url, count))
    return made


def vacuum(url: str) -> None:
    """What autovacuum does a little after a bulk load, done now: planner statistics and
    the visibility map that lets COUNT(*) for X-Total-Count answer from the index."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) engagements")
    engine.dispose()


class Target:
    def __init__(self, url: str, count: int, stack: ExitStack) -> None:
        self.count = count
        settings = Settings(database_url=url, secret_key="bench")
        self.ctx = Context.from_settings(settings)
        stack.callback(self.ctx.db.dispose)
        with self.ctx.db.write() as session:
            _row, key = create_key(session, self.ctx.clock, name="Bench", role=Role.supervisor)
        self.client = stack.enter_context(TestClient(create_app(self.ctx)))
        self.headers = {"Authorization": f"Bearer {key}"}
        self.samples: list[float] = []
        self.total = ""

    def once(self) -> float:
        started = time.perf_counter()
        response = self.client.get("/api/v1/overdue", headers=self.headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        self.total = response.headers["X-Total-Count"]
        items: list[dict[str, Any]] = response.json()
        assert len(items) == min(100, int(self.total))
        return elapsed

    def plan(self) -> str:
        if not self.ctx.db.is_sqlite:
            return ""
        with self.ctx.db.read() as session:
            rows = session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM engagements WHERE stage_due_at < ? "
                "ORDER BY stage_due_at, id LIMIT 100",
                ("2026-11-25 00:00:00.000000",),
            )
            return "; ".join(str(r[-1]) for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-bench-")))
        targets = [
            Target(url, count, stack)
            for url, count in filled(stack, tmp, args.database, (args.small, args.large))
        ]
        for target in targets:  # warm-up: connections, caches, the first compile
            for _ in range(20):
                target.once()
        for _ in range(args.requests):
            for target in targets:
                target.samples.append(target.once())
        p50 = []
        for target in targets:
            median = statistics.median(target.samples) * 1000
            p90 = statistics.quantiles(target.samples, n=10)[-1] * 1000
            p50.append(median)
            print(
                f"GET /api/v1/overdue on {target.count:>7} engagements "
                f"(X-Total-Count {target.total:>6}): p50 {median:6.2f} ms, p90 {p90:6.2f} ms"
            )
        plan = targets[-1].plan()
        if plan:
            print(f"query plan: {plan}")
        print(f"ratio p50 {args.large} / {args.small}: {p50[1] / p50[0]:.2f} (goal <= 2)")


if __name__ == "__main__":
    main()
