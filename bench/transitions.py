"""Transitions/s through HTTP with 16 concurrent keep-alive clients, beside GET /health/s
in the same run, their ratio, and the transitions' p50/p99 (issue 2, goal: ratio >= 0.5
and p99 <= 25 ms).

The service runs as production runs it: `fokus serve --no-scheduler` in its own process,
on a fresh SQLite file (default) or a throw-away PostgreSQL 15 (`--database postgresql`).
Each client owns one engagement with a participant and an ended workshop and moves it
back and forth between `workshops` and `guiding_vision` with `expected_version`, so
every request is a real transition: version check, guards, state, history, outbox.

    .venv/bin/python bench/transitions.py [--database sqlite|postgresql] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# the repository instead of bench/ (this file's name would shadow the transitions library)
sys.path[0] = str(ROOT)
FOKUS = str(Path(sys.executable).parent / "fokus")

from tests.support import ENGAGEMENT, free_port  # noqa: E402


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


def run_clients(
    url: str,
    headers: dict[str, str],
    clients: int,
    seconds: float,
    work: str,
    engagements: list[tuple[int, int]],
) -> tuple[int, list[float], int]:
    """Runs `clients` threads for `seconds`; returns (ok count, latencies, errors)."""
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]
    results: list[tuple[int, list[float], int]] = [(0, [], 0)] * clients

    def client(index: int) -> None:
        ok, errors, latencies = 0, 0, []
        eid, version = engagements[index] if engagements else (0, 0)
        state = "guiding_vision"
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            http.get("/health")
            barrier.wait()
            while time.perf_counter() < stop_at[0]:
                started = time.perf_counter()
                if work == "health":
                    response = http.get("/health")
                else:
                    response = http.post(
                        f"/api/v1/engagements/{eid}/transitions",
                        json={
                            "trigger": "reopen_workshops"
                            if state == "guiding_vision"
                            else "draft_vision",
                            "expected_version": version,
                        },
                    )
                latencies.append(time.perf_counter() - started)
                if response.status_code == 200:
                    ok += 1
                    if work != "health":
                        body = response.json()
                        version, state = body["version"], body["state"]
                else:
                    errors += 1
        results[index] = (ok, latencies, errors)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds  # before the barrier: no client may miss it
    barrier.wait()
    for thread in threads:
        thread.join()
    ok = sum(r[0] for r in results)
    latencies = [lat for r in results for lat in r[1]]
    errors = sum(r[2] for r in results)
    return ok, latencies, errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-bench-")))
        if args.database == "postgresql":
            from tests.postgres import PostgresServer, unavailable_reason

            reason = unavailable_reason()
            if reason:
                sys.exit(f"PostgreSQL unavailable: {reason}")
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
        port = free_port()
        server_process = subprocess.Popen(
            [FOKUS, "serve", "--no-scheduler", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(server_process.wait, 20)
        stack.callback(server_process.terminate)
        url = f"http://127.0.0.1:{port}"
        if os.environ.get("FOKUS_BENCH_PROFILE"):  # py-spy flame graph of the transitions
            print(f"server pid {server_process.pid}", flush=True)
        headers = {"Authorization": f"Bearer {key}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                sys.exit("fokus serve did not start")
            time.sleep(0.1)

        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            engagements = prepare(http, args.clients)
        # warm both paths, then measure each alone with the same clients and duration
        run_clients(url, headers, args.clients, 1.0, "health", [])
        health_ok, _health_lat, health_err = run_clients(
            url, headers, args.clients, args.seconds, "health", []
        )
        ids = [eid for eid, _ in engagements]
        warm = run_clients(url, headers, args.clients, 1.0, "transition", engagements)
        # versions moved during warm-up: read them again
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            engagements = []
            for eid in ids:
                current = http.get(f"/api/v1/engagements/{eid}").json()
                if current["state"] == "workshops":
                    current = http.post(
                        f"/api/v1/engagements/{eid}/transitions", json={"trigger": "draft_vision"}
                    ).json()
                engagements.append((eid, int(current["version"])))
        del warm
        ok, latencies, errors = run_clients(
            url, headers, args.clients, args.seconds, "transition", engagements
        )

    transitions_per_s = ok / args.seconds
    health_per_s = health_ok / args.seconds
    ratio = transitions_per_s / health_per_s if health_per_s else 0.0
    p50 = percentile(latencies, 0.50) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    print(f"database            {args.database}")
    print(f"clients             {args.clients} keep-alive, {args.seconds:g} s per measurement")
    print(f"GET /health         {health_per_s:8.0f} /s   ({health_err} errors)")
    print(f"transitions         {transitions_per_s:8.0f} /s   ({errors} errors)")
    print(f"ratio               {ratio:8.2f}     (goal >= 0.5)")
    print(f"transition p50      {p50:8.1f} ms")
    print(f"transition p99      {p99:8.1f} ms  (goal <= 25 ms)")
    print(f"transition mean     {statistics.fmean(latencies) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
