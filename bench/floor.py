"""The floor of the stack for every HTTP benchmark: a bare FastAPI app (one async route
answering a small JSON, no database, no middleware) served by uvicorn with the settings
`fokus serve` uses, in its own process, and loaded by the same keep-alive clients in the
same run as the route measured beside it. No route of fokus can be faster than this on
this machine; a figure divided by the floor's says how much of the stack's capacity the
route keeps, independent of how fast or busy the machine is.

`GET /health` is no floor: it is a sync endpoint (a thread-pool hop and `SELECT 1`).

    .venv/bin/python bench/floor.py [--clients 16] [--seconds 5]   # the floor alone
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parent.parent
PATH = "/floor"

app = FastAPI()


@app.get(PATH)
async def floor() -> dict[str, object]:
    return {"status": "ok", "id": 1}


def uvicorn_settings() -> dict[str, Any]:
    """What `fokus serve` passes to uvicorn.run (service/cli.py) besides app, host, port:
    no access log, fokus's own logging, a graceful shutdown."""
    return {
        "access_log": False,
        "log_config": None,
        "log_level": "info",
        "timeout_graceful_shutdown": 20,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}{path}").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not start")
        time.sleep(0.1)


@contextmanager
def floor_server(workers: int = 1) -> Iterator[str]:
    """The bare app in its own process (as `fokus serve` runs in its own), or in `workers`
    worker processes of uvicorn's (beside `fokus serve --workers N`); yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, PATH)
        yield url
    finally:
        process.terminate()
        process.wait(20)


@dataclass(frozen=True)
class Load:
    """What `clients` keep-alive clients got in `seconds`."""

    ok: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else 0.0


# one request of client `index` on its own connection; True when it succeeded
Request = Callable[[httpx.Client, int], bool]


def load(
    url: str,
    request: Request,
    *,
    clients: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    warm_path: str = "/health",
) -> Load:
    """`clients` threads, each with one keep-alive connection, send `request` in a loop
    for `seconds` after all of them connected; latencies of every request."""
    connected, go = threading.Barrier(clients + 1), threading.Barrier(clients + 1)
    stop_at = [0.0]
    results: list[tuple[int, int, list[float]]] = [(0, 0, [])] * clients

    def client(index: int) -> None:
        ok, errors, latencies = 0, 0, []
        with httpx.Client(base_url=url, headers=headers or {}, timeout=30) as http:
            http.get(warm_path)  # the connection is open before the clock starts
            connected.wait()
            go.wait()
            while time.perf_counter() < stop_at[0]:
                started = time.perf_counter()
                succeeded = request(http, index)
                latencies.append(time.perf_counter() - started)
                if succeeded:
                    ok += 1
                else:
                    errors += 1
        results[index] = (ok, errors, latencies)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    connected.wait()  # every client connected (a slow start must not eat the window)
    stop_at[0] = time.perf_counter() + seconds  # before `go`: no client may miss it
    go.wait()
    for thread in threads:
        thread.join()
    return Load(
        ok=sum(r[0] for r in results),
        errors=sum(r[1] for r in results),
        seconds=seconds,
        latencies=[lat for r in results for lat in r[2]],
    )


def floor_request(http: httpx.Client, _index: int) -> bool:
    return http.get(PATH).status_code == 200


def measure_floor(url: str, *, clients: int, seconds: float) -> Load:
    return load(url, floor_request, clients=clients, seconds=seconds, warm_path=PATH)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    if args.serve:
        import uvicorn

        # several workers import the app by name (the repository is on PYTHONPATH)
        target: Any = app if args.workers == 1 else "bench.floor:app"
        uvicorn.run(
            target,
            host="127.0.0.1",
            port=args.serve,
            workers=args.workers,
            **uvicorn_settings(),
        )
        return
    with floor_server(args.workers) as url:
        measure_floor(url, clients=args.clients, seconds=1.0)  # warm-up
        result = measure_floor(url, clients=args.clients, seconds=args.seconds)
    print(
        f"floor (bare FastAPI on uvicorn, {args.clients} keep-alive clients): "
        f"{result.per_second:.0f} /s, p50 {result.percentile_ms(0.5):.2f} ms, "
        f"p99 {result.percentile_ms(0.99):.2f} ms ({result.errors} errors)"
    )


if __name__ == "__main__":
    main()
