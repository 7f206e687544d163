"""Transitions/s through HTTP with 16 concurrent keep-alive clients, beside the floor of
the stack (bench/floor.py: a bare FastAPI route on the same uvicorn) measured in the same
run with the same clients; every figure is also printed as a ratio to the floor's, and the
transitions' p99 beside the floor's p99 (issue 16, goals: transitions >= 0.3 x the floor on
SQLite, >= 0.15 x on PostgreSQL; p99 <= 5 x the floor's p99).

The service runs as production runs it: `fokus serve --no-scheduler` in its own process,
on a fresh SQLite file (default) or a throw-away PostgreSQL 15 (`--database postgresql`).
Each client owns one engagement with a participant and an ended workshop and moves it
back and forth between `workshops` and `guiding_vision` with `expected_version`, so
every request is a real transition: version check, guards, state, history, outbox.
`--rounds` alternates floor and transitions that many times; the figures are medians,
the ratios taken round by round.

    .venv/bin/python bench/transitions.py [--database sqlite|postgresql] [--seconds 10]
        [--rounds 1] [--workers N (PostgreSQL)] [--replicas N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# the repository instead of bench/ (this file's name would shadow the transitions library)
sys.path[0] = str(ROOT)
FOKUS = str(Path(sys.executable).parent / "fokus")

# tests.support imports Starlette's TestClient, which warns about httpx on import
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from bench.floor import Load, floor_server, load, measure_floor, wait_until_up  # noqa: E402
from tests.support import ENGAGEMENT, free_port  # noqa: E402

GOAL_RATIO = {"sqlite": 0.3, "postgresql": 0.15}
GOAL_P99_RATIO = 5.0


def prepare(http: httpx.Client, clients: int) -> list[tuple[int, int]]:
    """One engagement per client, walked to `guiding_vision`; returns (id, version)."""
    prepared = []
    for i in range(clients):
        eid = http.post("/api/v1/engagements", json=ENGAGEMENT).raise_for_status().json()["id"]
        http.post(f"/api/v1/engagements/{eid}/transitions", json={"trigger": "approve"})
        http.post(
            f"/api/v1/engagements/{eid}/participants",
            json={"name": "Petra Klein", "email": f"petra.{i}@example.org"},
        ).raise_for_status()
        http.post(f"/api/v1/engagements/{eid}/transitions", json={"trigger": "start_workshops"})
        http.post(
            f"/api/v1/engagements/{eid}/workshops",
            json={
                "title": "Auftakt",
                "starts_at": "2026-01-10T17:00:00",
                "ends_at": "2026-01-10T19:00:00",
                "location": "Rathaus",
            },
        ).raise_for_status()
        last = http.post(
            f"/api/v1/engagements/{eid}/transitions", json={"trigger": "draft_vision"}
        ).raise_for_status()
        prepared.append((eid, int(last.json()["version"])))
    return prepared


def current_versions(http: httpx.Client, ids: list[int]) -> list[tuple[int, int]]:
    """Each engagement back in `guiding_vision`, with its version (a round moved them)."""
    engagements = []
    for eid in ids:
        current = http.get(f"/api/v1/engagements/{eid}").json()
        if current["state"] == "workshops":
            current = http.post(
                f"/api/v1/engagements/{eid}/transitions", json={"trigger": "draft_vision"}
            ).json()
        engagements.append((eid, int(current["version"])))
    return engagements


def transitions_load(
    url: str,
    headers: dict[str, str],
    engagements: list[tuple[int, int]],
    seconds: float,
    replicas: Sequence[str] = (),
) -> Load:
    """Each client moves its own engagement back and forth with `expected_version`;
    with `replicas` (their URLs), client i sends to replica i modulo their number."""
    states = {eid: ("guiding_vision", version) for eid, version in engagements}
    bases = list(replicas) or [""]  # "": the client's own base URL

    def request(http: httpx.Client, index: int) -> bool:
        eid = engagements[index][0]
        state, version = states[eid]
        trigger = "reopen_workshops" if state == "guiding_vision" else "draft_vision"
        response = http.post(
            f"{bases[index % len(bases)]}/api/v1/engagements/{eid}/transitions",
            json={"trigger": trigger, "expected_version": version},
        )
        if response.status_code != 200:
            return False
        body = response.json()
        states[eid] = (body["state"], body["version"])
        return True

    return load(url, request, clients=len(engagements), seconds=seconds, headers=headers)


@dataclass(frozen=True)
class Round:
    floor: Load
    transitions: Load

    @property
    def ratio(self) -> float:
        return self.transitions.per_second / self.floor.per_second if self.floor.ok else 0.0

    @property
    def p50_ratio(self) -> float:
        floor_p50 = self.floor.percentile_ms(0.5)
        return self.transitions.percentile_ms(0.5) / floor_p50 if floor_p50 else 0.0

    @property
    def p99_ratio(self) -> float:
        floor_p99 = self.floor.percentile_ms(0.99)
        return self.transitions.percentile_ms(0.99) / floor_p99 if floor_p99 else 0.0


@dataclass(frozen=True)
class Measurement:
    database: str
    clients: int
    seconds: float
    rounds: list[Round]

    def median(self, figure: Callable[[Round], float]) -> float:
        """A figure of each round (e.g. its ratio), median over the rounds."""
        return statistics.median(figure(r) for r in self.rounds)

    def p(self, which: str, fraction: float) -> float:
        """The median over the rounds of a percentile of 'floor' or 'transitions'."""
        loads: list[Load] = [getattr(r, which) for r in self.rounds]
        return statistics.median(load.percentile_ms(fraction) for load in loads)

    @property
    def ratio(self) -> float:
        return self.median(lambda r: r.ratio)

    @property
    def p50_ratio(self) -> float:
        return self.median(lambda r: r.p50_ratio)

    @property
    def p99_ratio(self) -> float:
        return self.median(lambda r: r.p99_ratio)

    def report(self) -> list[str]:
        goal = GOAL_RATIO[self.database]
        ratio = self.ratio
        p99_ratio = self.p99_ratio
        floor_rate = self.median(lambda r: r.floor.per_second)
        rate = self.median(lambda r: r.transitions.per_second)
        errors = sum(r.transitions.errors for r in self.rounds)
        floor_errors = sum(r.floor.errors for r in self.rounds)
        return [
            f"HTTP, {self.database}: {self.clients} keep-alive clients, {self.seconds:g} s per "
            f"measurement, medians of {len(self.rounds)} rounds (floor and transitions alternate)",
            f"  floor (bare FastAPI) {floor_rate:8.0f} /s   p50 {self.p('floor', 0.5):6.1f} ms"
            f"   p99 {self.p('floor', 0.99):6.1f} ms   ({floor_errors} errors)",
            f"  transitions          {rate:8.0f} /s   p50 {self.p('transitions', 0.5):6.1f} ms"
            f"   p99 {self.p('transitions', 0.99):6.1f} ms   ({errors} errors)",
            f"  transitions / floor  {ratio:8.2f}     (goal >= {goal:g}: "
            f"{'met' if ratio >= goal else 'MISSED'})",
            f"  p50 / floor p50      {self.p50_ratio:8.2f}",
            f"  p99 / floor p99      {p99_ratio:8.2f}     (goal <= {GOAL_P99_RATIO:g}: "
            f"{'met' if p99_ratio <= GOAL_P99_RATIO else 'MISSED'})",
        ]


def measure(
    database: str,
    *,
    clients: int = 16,
    seconds: float = 10.0,
    rounds: int = 1,
    workers: int = 1,
    replicas: int = 1,
) -> Measurement:
    """`fokus serve` on a fresh database and the floor, both in their own processes;
    `rounds` times the floor, then the transitions, with the same clients. `workers`:
    `fokus serve --workers N` (PostgreSQL) and the floor in as many uvicorn workers;
    `replicas`: that many `fokus serve` processes on the one database, the clients
    spread over them (two replicas on one SQLite file)."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-bench-")))
        if database == "postgresql":
            from tests.postgres import PostgresServer, unavailable_reason

            reason = unavailable_reason()
            if reason:
                raise RuntimeError(f"PostgreSQL unavailable: {reason}")
            server = stack.enter_context(PostgresServer())
            database_url = server.create_database("bench")
        else:
            database_url = f"sqlite:///{workdir / 'fokus.db'}"
        env = {
            **os.environ,
            "FOKUS_DATABASE_URL": database_url,
            "FOKUS_SECRET_KEY": "bench",
            "FOKUS_LOG_FORMAT": os.environ.get("FOKUS_LOG_FORMAT", "json"),
        }
        # `apikey create` never creates a database: set it up first
        subprocess.run(
            [FOKUS, "db", "upgrade"], cwd=workdir, env=env, capture_output=True, check=True
        )
        key = (
            subprocess.run(
                [FOKUS, "apikey", "create", "--name", "Bench", "--role", "staff"],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        urls = []
        for _ in range(replicas):
            port = free_port()
            server_process = subprocess.Popen(
                [FOKUS, "serve", "--no-scheduler", "--port", str(port), "--workers", str(workers)],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(server_process.wait, 20)
            stack.callback(server_process.terminate)
            urls.append(f"http://127.0.0.1:{port}")
            if os.environ.get("FOKUS_BENCH_PROFILE"):  # py-spy flame graph of the transitions
                print(f"server pid {server_process.pid}", flush=True)
        url = urls[0]
        headers = {"Authorization": f"Bearer {key}"}
        for each in urls:
            wait_until_up(each, "/health")
        floor_url = stack.enter_context(floor_server(workers))
        spread = urls if replicas > 1 else []

        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            ids = [eid for eid, _ in prepare(http, clients)]
            # warm both paths, then measure each alone with the same clients and duration
            measure_floor(floor_url, clients=clients, seconds=1.0)
            transitions_load(url, headers, current_versions(http, ids), 1.0, spread)
            results = []
            for _ in range(rounds):
                floor = measure_floor(floor_url, clients=clients, seconds=seconds)
                engagements = current_versions(http, ids)
                moved = transitions_load(url, headers, engagements, seconds, spread)
                results.append(Round(floor, moved))
    return Measurement(database, clients, seconds, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, default=1, help="fokus serve --workers N (PostgreSQL)"
    )
    parser.add_argument(
        "--replicas", type=int, default=1, help="fokus serve processes on the one database"
    )
    args = parser.parse_args()
    try:
        measurement = measure(
            args.database,
            clients=args.clients,
            seconds=args.seconds,
            rounds=args.rounds,
            workers=args.workers,
            replicas=args.replicas,
        )
    except RuntimeError as error:
        sys.exit(str(error))
    print("\n".join(measurement.report()))
    print(f"fokus serve: {args.replicas} process(es) x {args.workers} worker(s) each")


if __name__ == "__main__":
    main()
