"""p50/p95 of `GET /api/v1/stats` on 1 000 and on 100 000 engagements, and the ratio of the
p50s (issue 13, goal: ratio <= 2), beside what one computation of the snapshot costs.

Each database is a fresh SQLite file (default) or a throw-away PostgreSQL 15
(`--database postgresql`), seeded here with Core `executemany` inserts: engagements
spread over the stages of the Fokusberatung's latest version, each with the history of
the steps that brought it there (about 3.5 rows each), the consulting days of a third of
them, about a third overdue. The service runs as production runs it, `fokus serve
--no-scheduler` in its own process with FOKUS_STATS_CACHE_SECONDS=`--ttl`; one keep-alive
client requests the statistics `--requests` times from each server in turn, and the floor
of the stack (bench/floor.py, a bare FastAPI route on the same uvicorn) in the same turn,
so machine load hits all alike; each p50/p95 is also printed as a multiple of the
floor's. The snapshot is served from the cache and recomputed in a background thread once
it is older than the TTL: a short `--ttl` (e.g. 2) shows what those refreshes cost the
requests that run beside them.

    .venv/bin/python bench/stats.py [--database sqlite|postgresql] [--small 1000]
        [--large 100000] [--requests 400] [--ttl 60]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
# bench/ itself must not be on the path: bench/transitions.py would shadow the package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
FOKUS = str(Path(sys.executable).parent / "fokus")

from sqlalchemy import func, insert, select  # noqa: E402

from bench.floor import PATH as FLOOR_PATH  # noqa: E402
from bench.floor import floor_server  # noqa: E402
from service.auth.keys import Role, create_key  # noqa: E402
from service.consulting.models import ConsultingDay  # noqa: E402
from service.core.context import Context  # noqa: E402
from service.core.migrate import upgrade  # noqa: E402
from service.core.settings import Settings  # noqa: E402
from service.engagements import schedule  # noqa: E402
from service.engagements.models import Engagement, HistoryEntry  # noqa: E402
from service.stats import service as stats  # noqa: E402
from tests.support import free_port  # noqa: E402
from workflows.calendar import FEDERAL_STATES  # noqa: E402

BATCH = 5_000


def seed(ctx: Context, count: int, seed: int = 13) -> None:
    """`count` engagements with their history and some consulting days (no ORM objects)."""
    rng = random.Random(seed)
    now = ctx.clock.now()
    settings = ctx.settings
    process = ctx.registry.latest("fokusberatung")
    path = process.active_states  # the stages in the order an engagement passes them
    codes = list(FEDERAL_STATES)
    engagements = Engagement.__table__  # type: ignore[attr-defined]
    history = HistoryEntry.__table__  # type: ignore[attr-defined]
    days = ConsultingDay.__table__  # type: ignore[attr-defined]
    first_id = 1
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        rows: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        consulting: list[dict[str, Any]] = []
        for offset in range(size):
            eid = first_id + done + offset
            code = codes[eid % len(codes)]
            stage_index = rng.randrange(len(path))
            stays = [timedelta(days=rng.randint(3, 60)) for _ in range(stage_index)]
            entered = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600))
            created = entered - sum(stays, timedelta())
            at = created
            for index, stay in enumerate(stays):
                at += stay
                steps.append(
                    {
                        "engagement_id": eid,
                        "kind": "transition",
                        "from_state": path[index],
                        "to_state": path[index + 1],
                        "trigger": "bench",
                        "actor": "bench",
                        "note": None,
                        "at": at,
                    }
                )
            due = schedule.normalise_deadline(
                entered + timedelta(days=rng.randint(20, 250)), code, settings
            )
            funded = stage_index >= 1
            rows.append(
                {
                    "id": eid,
                    "municipality": f"Benchgemeinde {eid}",
                    "applicant_type": "municipality",
                    "federal_state": code,
                    "contact_name": "Kontakt",
                    "contact_email": f"kontakt{eid}@example.org",
                    "language": "de",
                    "owner": f"Referent {eid % 20}",
                    "process": process.name,
                    "process_version": process.version,
                    "krl_version": "2024",
                    "state": path[stage_index],
                    "version": 1 + stage_index,
                    "stage_entered_at": entered,
                    **schedule.deadline_fields(due, code, settings, now),
                    "funding_starts_at": created if funded else None,
                    "funding_ends_at": created + timedelta(days=540) if funded else None,
                    "next_funding_warning_at": None,
                    "funding_warnings_sent": 2,
                    "created_at": created,
                    "updated_at": entered,
                }
            )
            if funded and eid % 3 == 0:
                consulting.append(
                    {
                        "engagement_id": eid,
                        "date": date(2026, 1, 5),
                        "days": float(rng.randint(1, 20)),
                        "mode": "on_site",
                        "consultant": "Bench",
                        "activity": "Bench",
                        "actor": "bench",
                        "created_at": now,
                    }
                )
        with ctx.db.write() as session:
            connection = session.connection()
            connection.execute(insert(engagements), rows)
            if steps:
                connection.execute(insert(history), steps)
            if consulting:
                connection.execute(insert(days), consulting)
        done += size
    if ctx.db.is_postgres:  # the ids were given: move the sequence past them
        with ctx.db.write() as session:
            session.connection().exec_driver_sql(
                "SELECT setval('engagements_id_seq', (SELECT max(id) FROM engagements))"
            )


def vacuum(url: str) -> None:
    """What autovacuum does a little after a bulk load, done now (docs/pitfalls.md)."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for table in ("engagements", "engagement_history", "consulting_days"):
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    engine.dispose()


class Target:
    """One database, seeded, with its own `fokus serve`."""

    def __init__(self, url: str, count: int, ttl: float, workdir: Path, stack: ExitStack) -> None:
        self.count = count
        settings = Settings(database_url=url, secret_key="bench", stats_cache_seconds=0)
        ctx = Context.from_settings(settings)
        stack.callback(ctx.db.dispose)
        upgrade(ctx.db)
        started = time.perf_counter()
        seed(ctx, count)
        self.load_seconds = time.perf_counter() - started
        if ctx.db.is_postgres:
            vacuum(url)
        with ctx.db.read() as session:
            self.history_rows = session.execute(
                select(func.count()).select_from(HistoryEntry)
            ).scalar_one()
        # one snapshot computed in this process, uncached, 3 times: wall time and the CPU
        # time of this process (with SQLite that includes the database's work)
        self.compute_ms: list[tuple[float, float]] = []
        for _ in range(3):
            started, cpu = time.perf_counter(), time.process_time()
            snapshot = stats.compute(ctx)
            self.compute_ms.append(
                ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
            )
        self.overdue = snapshot.overdue
        with ctx.db.write() as session:
            _row, key = create_key(session, ctx.clock, name="Bench", role=Role.supervisor)
        port = free_port()
        env = {
            **os.environ,
            "FOKUS_DATABASE_URL": url,
            "FOKUS_SECRET_KEY": "bench",
            "FOKUS_STATS_CACHE_SECONDS": str(ttl),
            "FOKUS_LOG_FORMAT": "json",
        }
        server = subprocess.Popen(
            [FOKUS, "serve", "--no-scheduler", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(server.wait, 20)
        stack.callback(server.terminate)
        self.http = stack.enter_context(
            httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            )
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.http.get("/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                sys.exit("fokus serve did not start")
            time.sleep(0.1)
        self.samples: list[float] = []

    def once(self) -> float:
        started = time.perf_counter()
        response = self.http.get("/api/v1/stats")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        assert response.json()["overdue"] == self.overdue
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--ttl", type=float, default=60.0, help="FOKUS_STATS_CACHE_SECONDS")
    args = parser.parse_args()

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-bench-")))
        server = None
        if args.database == "postgresql":
            from tests.postgres import PostgresServer, unavailable_reason

            reason = unavailable_reason()
            if reason:
                sys.exit(f"PostgreSQL unavailable: {reason}")
            server = stack.enter_context(PostgresServer())
        targets = []
        for count in (args.small, args.large):
            workdir = tmp / str(count)
            workdir.mkdir()
            if server is not None:
                url = server.create_database(f"bench_{count}")
            else:
                url = f"sqlite:///{workdir / 'fokus.db'}"
            target = Target(url, count, args.ttl, workdir, stack)
            print(
                f"seeded {count:>7} engagements, {target.history_rows:>7} history rows in "
                f"{target.load_seconds:5.1f} s; one snapshot computed uncached: "
                + ", ".join(f"{wall:.0f} ms ({cpu:.0f} ms CPU)" for wall, cpu in target.compute_ms),
                flush=True,
            )
            targets.append(target)
        # the floor of the stack (bench/floor.py), asked by the same kind of client in turn
        floor = stack.enter_context(
            httpx.Client(base_url=stack.enter_context(floor_server()), timeout=60)
        )
        floor_samples: list[float] = []

        def floor_once() -> float:
            started = time.perf_counter()
            floor.get(FLOOR_PATH).raise_for_status()
            return time.perf_counter() - started

        for target in targets:  # warm-up: the first request computes the first snapshot
            for _ in range(20):
                target.once()
                floor_once()
        started = time.perf_counter()
        for _ in range(args.requests):
            for target in targets:
                target.samples.append(target.once())
            floor_samples.append(floor_once())
        seconds = time.perf_counter() - started
        floor_p50 = statistics.median(floor_samples) * 1000
        floor_p95 = statistics.quantiles(floor_samples, n=20)[-1] * 1000
        p50 = []
        print(
            f"database {args.database}, FOKUS_STATS_CACHE_SECONDS={args.ttl:g}, "
            f"{args.requests} requests each over {seconds:.1f} s"
        )
        print(
            f"floor (bare FastAPI, bench/floor.py):      p50 {floor_p50:6.2f} ms, "
            f"p95 {floor_p95:6.2f} ms"
        )
        for target in targets:
            median = statistics.median(target.samples) * 1000
            p95 = statistics.quantiles(target.samples, n=20)[-1] * 1000
            worst = max(target.samples) * 1000
            p50.append(median)
            print(
                f"GET /api/v1/stats on {target.count:>7} engagements: p50 {median:6.2f} ms, "
                f"p95 {p95:6.2f} ms, max {worst:7.1f} ms; p50 {median / floor_p50:.1f} x "
                f"and p95 {p95 / floor_p95:.1f} x the floor's"
            )
        print(f"ratio p50 {args.large} / {args.small}: {p50[1] / p50[0]:.2f} (goal <= 2)")


if __name__ == "__main__":
    main()
