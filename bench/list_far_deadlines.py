"""p50 latency of a page of 100 engagements (`GET /api/v1/engagements?limit=100`) whose
deadlines lie next year, against the same page with deadlines in 2090, and their ratio
(issue 9 item 8, goal: ratio close to 1: the cost of a listed engagement does not grow
with the distance to its deadline).

Each case is a fresh SQLite file with 100 engagements spread round-robin over the 16
federal states, created and given their deadline (`PATCH …/deadline`) through the API;
the deadlines are spread over the year, so every engagement has its own day. The app is
served in this process through FastAPI's TestClient with the system clock. The first
request of each case is reported separately, with the calendar's holiday cache emptied
before it (it pays for building the holiday tables of all 16 states); then the page is
requested `--requests` times per case, alternating the two so that machine load hits both
alike. `--profile` prints cProfile's top functions for a
few pages of the far case (the
route's own work, called directly).

    .venv/bin/python bench/list_far_deadlines.py [--requests 100] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/ itself must not be on the path: bench/transitions.py would shadow the package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from fastapi.testclient import TestClient  # noqa: E402

from service.app import create_app  # noqa: E402
from service.auth.keys import Role, create_key  # noqa: E402
from service.core.context import Context  # noqa: E402
from service.core.migrate import upgrade  # noqa: E402
from service.core.settings import Settings  # noqa: E402
from service.engagements import presenters, service  # noqa: E402
from service.engagements.filters import EngagementFilters  # noqa: E402
from workflows import calendar  # noqa: E402
from workflows.calendar import FEDERAL_STATES  # noqa: E402

ENGAGEMENTS = 100
BASE = {
    "municipality": "Gemeinde Beispielstadt",
    "applicant_type": "municipality",
    "contact_name": "Anna Schmidt",
    "contact_email": "anna.schmidt@example.org",
}


class Case:
    """One database whose engagements all have their deadline in `year`."""

    def __init__(self, label: str, year: int, workdir: Path, stack: ExitStack) -> None:
        self.label = label
        url = f"sqlite:///{workdir / 'fokus.db'}"
        settings = Settings(database_url=url, secret_key="bench")
        self.ctx = Context.from_settings(settings)
        upgrade(self.ctx.db)
        stack.callback(self.ctx.db.dispose)
        with self.ctx.db.write() as session:
            _row, key = create_key(session, self.ctx.clock, name="Bench", role=Role.staff)
        self.client = stack.enter_context(TestClient(create_app(self.ctx)))
        self.headers = {"Authorization": f"Bearer {key}"}
        states = sorted(FEDERAL_STATES)
        for i in range(ENGAGEMENTS):
            body = {**BASE, "federal_state": states[i % len(states)]}
            response = self.client.post("/api/v1/engagements", json=body, headers=self.headers)
            created = self._ok(response, 201)
            due = datetime.combine(date(year, 1, 2) + timedelta(days=3 * i), datetime.min.time())
            self._ok(
                self.client.patch(
                    f"/api/v1/engagements/{created['id']}/deadline",
                    json={"due_at": due.isoformat(), "reason": "bench"},
                    headers=self.headers,
                )
            )
        self.samples: list[float] = []

    def _ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    def once(self) -> float:
        started = time.perf_counter()
        response = self.client.get("/api/v1/engagements?limit=100", headers=self.headers)
        elapsed = time.perf_counter() - started
        page = self._ok(response)
        assert len(page["items"]) == ENGAGEMENTS
        return elapsed

    def profile(self) -> None:
        """cProfile of what the route does for five pages, called in this thread (the
        TestClient runs the route in a worker thread the profiler would not see)."""
        filters = EngagementFilters(stage=None, owner=None, overdue=None, q=None)
        profiler = cProfile.Profile()
        with self.ctx.db.read() as session:
            profiler.enable()
            for _ in range(5):
                rows, _total = service.list_page(session, self.ctx, filters, limit=100, offset=0)
                presenters.public(session, self.ctx, rows)
            profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)


def forget_holidays() -> None:
    """Empty the calendar's holiday cache, so that the next page pays for filling it."""
    for name in ("_table", "_holidays"):  # since / before issue 9 item 8
        cached = getattr(calendar, name, None)
        if cached is not None:
            cached.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--far-year", type=int, default=2090)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    next_year = date.today().year + 1

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-bench-")))
        cases = []
        for label, year in (("next year", next_year), (str(args.far_year), args.far_year)):
            workdir = tmp / str(year)
            workdir.mkdir()
            cases.append(Case(f"{label} ({year})", year, workdir, stack))
        for case in reversed(cases):
            forget_holidays()
            first = case.once() * 1000
            print(f"first page, deadlines {case.label:>18}: {first:8.2f} ms", flush=True)
        for case in cases:
            for _ in range(5):
                case.once()
        for _ in range(args.requests):
            for case in cases:
                case.samples.append(case.once())
        p50, fastest = [], []
        for case in cases:
            median = statistics.median(case.samples) * 1000
            p90 = statistics.quantiles(case.samples, n=10)[-1] * 1000
            p50.append(median)
            fastest.append(min(case.samples) * 1000)
            print(
                f"GET /api/v1/engagements?limit=100, deadlines {case.label:>18}: "
                f"min {fastest[-1]:8.2f} ms, p50 {median:8.2f} ms, p90 {p90:8.2f} ms"
            )
        # min is what the work costs; p50 also carries what else the machine is doing
        print(
            f"ratio {args.far_year} / next year: p50 {p50[1] / p50[0]:.2f}, "
            f"min {fastest[1] / fastest[0]:.2f} (goal close to 1)"
        )
        if args.profile:
            cases[1].profile()


if __name__ == "__main__":
    main()
