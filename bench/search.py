"""p50 latency of the list's search, `GET /api/v1/engagements?q=…` (issue 12: search folds
umlauts and case in the database, fast at 100 000 engagements), on 1 000 and on 100 000
engagements: a rare term (one match) and a frequent one (about a tenth of the rows),
each answered with its total.

The databases are filled as bench/overdue.py fills them (`fokus demo --engagements N`,
whose bulk rows get their folded search column like any other). On PostgreSQL the
folded column has a trigram index (pg_trgm): LIKE '%…%' reads the index, not the table;
SQLite scans the column (no index serves a substring), which stays in the tens of
milliseconds at 100 000 rows.

    .venv/bin/python bench/search.py [--database postgresql] [--large 100000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
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

TERMS = {"rare": "BULKGEMEINDE 4711", "frequent": "bulkgemeinde 1"}


class Target:
    def __init__(self, url: str, count: int, stack: ExitStack) -> None:
        self.count = count
        self.ctx = Context.from_settings(Settings(database_url=url, secret_key="bench"))
        stack.callback(self.ctx.db.dispose)
        with self.ctx.db.write() as session:
            _row, key = create_key(session, self.ctx.clock, name="Bench", role=Role.supervisor)
        self.client = stack.enter_context(TestClient(create_app(self.ctx)))
        self.headers = {"Authorization": f"Bearer {key}"}
        self.samples: dict[str, list[float]] = {name: [] for name in TERMS}
        self.totals: dict[str, int] = {}

    def once(self, name: str) -> float:
        started = time.perf_counter()
        response = self.client.get(
            "/api/v1/engagements", params={"q": TERMS[name], "limit": 50}, headers=self.headers
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        self.totals[name] = int(response.json()["total"])
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-bench-")))
        targets = [
            Target(url, count, stack)
            for url, count in filled(stack, tmp, args.database, (args.small, args.large))
        ]
        for target in targets:  # warm-up
            for name in TERMS:
                for _ in range(5):
                    target.once(name)
        for _ in range(args.requests):
            for target in targets:
                for name in TERMS:
                    target.samples[name].append(target.once(name))
        for target in targets:
            for name, term in TERMS.items():
                samples = target.samples[name]
                median = statistics.median(samples) * 1000
                p90 = statistics.quantiles(samples, n=10)[-1] * 1000
                print(
                    f"q={term!r:22} on {target.count:>7} engagements "
                    f"(total {target.totals[name]:>6}): p50 {median:7.2f} ms, p90 {p90:7.2f} ms"
                )


if __name__ == "__main__":
    main()
