"""p50/p99 latency of the dashboard overview, `GET /` as a logged-in Sachbearbeiterin, on
1 000 and on 100 000 engagements, their ratio (issue 16, goal: p50 at 100 000 <= 1.5 x at
1 000) and the resident memory the process gained by serving the large database after
the small one, both apps built (goal: < 50 MB).

The databases are filled as bench/overdue.py fills them (`fokus demo --engagements N`:
bulk rows over the active stages, twenty owners, about a third overdue), on SQLite
(default) or a throw-away PostgreSQL 15 (`--database postgresql`). The app is served in
this process through FastAPI's TestClient with a staff key logged in through the login
form and the system clock; the default overview (25 rows by deadline, the counts per
stage, overdue and due soon, the owners' filter) is requested `--requests` times from each
database in turn, so machine load hits both alike. `--explain` prints SQLite's plans of
the overview's queries on the large database.

    .venv/bin/python bench/overview.py [--database sqlite|postgresql] [--requests 300]
"""

from __future__ import annotations

import argparse
import gc
import re
import resource
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ itself must not be on the path: bench/transitions.py would shadow the package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from fastapi.testclient import TestClient  # noqa: E402

from bench.overdue import filled  # noqa: E402
from service.app import create_app  # noqa: E402
from service.auth.keys import Role, create_key  # noqa: E402
from service.core.context import Context  # noqa: E402
from service.core.settings import Settings  # noqa: E402

GOAL_RATIO = 1.5  # issue 16: p50 at 100 000 engagements at most 1.5 x at 1 000
GOAL_GROWTH_MB = 50.0  # and the resident memory grows by less than this
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_OVERDUE = re.compile(r'data-overdue-count="(\d+)"')


def rss_mb() -> float:
    """The process's resident memory now (Linux /proc), in MB."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * resource.getpagesize() / 1e6
    except OSError:  # not Linux: the peak instead
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def settle_counters(url: str) -> None:
    """What autovacuum does soon after a bulk load, done now: `fokus demo` bumped each
    stage's counter once per inserted row (one update each on PostgreSQL), leaving
    100 000 dead row versions in a table of a few dozen live ones."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) engagement_counts")
    engine.dispose()


class Target:
    """One database, one app and one logged-in browser session."""

    def __init__(self, url: str, count: int, stack: ExitStack) -> None:
        self.count = count
        self.ctx = Context.from_settings(Settings(database_url=url, secret_key="bench"))
        stack.callback(self.ctx.db.dispose)
        with self.ctx.db.write() as session:
            _row, key = create_key(session, self.ctx.clock, name="Bench", role=Role.staff)
        self.client = stack.enter_context(TestClient(create_app(self.ctx)))
        match = _CSRF.search(self.client.get("/login").text)
        assert match, "no CSRF token on the login page"
        response = self.client.post(
            "/login",
            data={"api_key": key, "csrf_token": match.group(1)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        self.samples: list[float] = []
        self.shown = ""

    def once(self) -> float:
        started = time.perf_counter()
        response = self.client.get("/")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text[:500]
        found = _OVERDUE.search(response.text)
        self.shown = found.group(1) if found else "?"
        return elapsed

    def explain(self) -> list[str]:
        """SQLite's plan of every statement the overview runs (PostgreSQL: none)."""
        if not self.ctx.db.is_sqlite:
            return []
        from sqlalchemy import event

        statements: list[tuple[str, object]] = []

        def seen(_conn: object, _cursor: object, sql: str, params: object, *_: object) -> None:
            if sql.lstrip().upper().startswith("SELECT"):
                statements.append((sql, params))

        engine = self.ctx.db.engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            self.once()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        lines = []
        with engine.connect() as conn:
            for sql, params in statements:
                if "engagements" not in sql:
                    continue
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)  # type: ignore[arg-type]
                first = " ".join(sql.split())[:90]
                lines.append(f"{first}…\n    " + "; ".join(str(r[-1]) for r in plan))
        return lines


@dataclass
class Overview:
    """p50/p99 (ms) per database size, and the RSS the large one added (MB)."""

    database: str
    small: int
    large: int
    p50: tuple[float, float]  # small, large
    p99: tuple[float, float]
    overdue: tuple[str, str]  # what each overview showed as overdue
    growth_mb: float
    plans: list[str]

    @property
    def ratio(self) -> float:
        return self.p50[1] / self.p50[0]

    def report(self) -> list[str]:
        lines = [
            f"GET / on {count:>7} engagements ({self.database}, "
            f"{self.overdue[i]:>6} overdue): p50 {self.p50[i]:6.2f} ms, "
            f"p99 {self.p99[i]:6.2f} ms"
            for i, count in enumerate((self.small, self.large))
        ]
        lines.append(
            f"ratio p50 {self.large} / {self.small}: {self.ratio:.2f} (goal <= {GOAL_RATIO:g})"
        )
        lines.append(
            f"RSS growth from the small to the large database: {self.growth_mb:.1f} MB "
            f"(goal < {GOAL_GROWTH_MB:g})"
        )
        return lines + self.plans


def measure(
    database: str = "sqlite",
    small_count: int = 1_000,
    large_count: int = 100_000,
    requests: int = 300,
    explain: bool = False,
) -> Overview:
    """Fill both databases, log in to each, then `requests` rounds over both in turn."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-bench-")))
        made = filled(stack, tmp, database, (small_count, large_count))
        if database == "postgresql":
            for url, _count in made:
                settle_counters(url)
        small, large = Target(*made[0], stack), Target(*made[1], stack)
        for _ in range(30):  # warm-up: connections, caches, the templates' first compile
            small.once()
        gc.collect()
        before = rss_mb()  # both apps built, only the small database served so far
        for _ in range(30):
            large.once()
        targets = [small, large]
        for _ in range(requests):
            for target in targets:
                target.samples.append(target.once())
        gc.collect()
        growth = rss_mb() - before
        plans = large.explain() if explain else []
    p50 = [statistics.median(t.samples) * 1000 for t in targets]
    p99 = [statistics.quantiles(t.samples, n=100)[-1] * 1000 for t in targets]
    return Overview(
        database,
        small_count,
        large_count,
        (p50[0], p50[1]),
        (p99[0], p99[1]),
        (small.shown, large.shown),
        growth,
        plans,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--explain", action="store_true", help="print SQLite's query plans")
    args = parser.parse_args()

    result = measure(args.database, args.small, args.large, args.requests, args.explain)
    print("\n".join(result.report()))


if __name__ == "__main__":
    main()
