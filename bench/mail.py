"""Invitations end to end, as a user drives them: N invitations (default 10 000) POSTed to
the running `fokus serve` (with its scheduler, so its own dispatcher sends them) and
delivered to a real SMTP server in its own process (bench/mail_sink.py, aiosmtpd), timed
from the POST until the sink holds every one; none may be lost or doubled.

    .venv/bin/python bench/mail.py [--count 10000] [--database sqlite|postgresql]

Set-up (not timed): `fokus db upgrade`, a staff API key (`fokus apikey create`), one
engagement, its N participants through `POST /api/v1/engagements/{id}/participants`
(16 keep-alive clients: the API takes them one per call) and a workshop. Timed: ONE
`POST /api/v1/workshops/{wid}/invitations` without a body (the API's "invite all of
them", at most one engagement's participants per call), then the sink is polled until
it has N distinct invitation Message-IDs. Printed: queue time (the POST's answer),
delivery time (answer to the last mail at the sink), end-to-end time and mails/s, the
sink's own capacity on one connection (measured first, in the same run), duplicates
(by Message-ID and by recipient), missing ones, the outbox's final statuses, and the
ratio to the issue's goal: 10 000 in <= 15 s end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
# the repository instead of bench/ (bench/transitions.py would shadow the library)
sys.path[0] = str(ROOT)
FOKUS = str(Path(sys.executable).parent / "fokus")
SINK = str(Path(__file__).resolve().parent / "mail_sink.py")

from tests.support import ENGAGEMENT, free_port  # noqa: E402

GOAL_SECONDS = 15.0
GOAL_COUNT = 10_000
CLIENTS = 16


class Sink:
    """bench/mail_sink.py in its own process, asked over its stdin/stdout."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, SINK, str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._stdout.readline().strip() != "ready":
            sys.exit("the SMTP sink did not start")

    @property
    def _stdout(self) -> IO[str]:
        assert self.process.stdout is not None
        return self.process.stdout

    def ask(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._stdout.readline().strip()

    def count(self) -> int:
        return int(self.ask("count"))

    def report(self) -> dict[str, Any]:
        return dict(json.loads(self.ask("report")))

    def close(self) -> None:
        with suppress(BrokenPipeError, ValueError):
            self.ask("quit")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def sink_capacity(port: int, count: int = 2_000) -> float:
    """Mails/s the sink takes from aiosmtplib over one connection, one message in flight
    (as the dispatcher sends): what "a server that takes > 1 000 mails/s" means here."""
    import aiosmtplib

    body = (
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: capacity\r\n"
        "Message-ID: <capacity.{i}@bench>\r\n\r\n" + ("x" * 76 + "\r\n") * 50
    )

    async def run() -> float:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await client.connect()
        started = time.perf_counter()
        for i in range(count):
            await client.sendmail("a@example.org", ["b@example.org"], body.format(i=i))
        seconds = time.perf_counter() - started
        await client.quit()
        return count / seconds

    return asyncio.run(run())


def fokus(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [FOKUS, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"fokus {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    sys.exit("fokus serve did not start")


def add_participants(url: str, headers: dict[str, str], eid: int, count: int) -> None:
    """`count` participants through the API, 16 keep-alive clients in parallel."""

    def client(index: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            for i in range(index, count, CLIENTS):
                http.post(
                    f"/api/v1/engagements/{eid}/participants",
                    json={"name": f"Person Nr. {i} Größe", "email": f"person{i}@example.org"},
                ).raise_for_status()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@contextmanager
def profiling(pid: int, path: str) -> Iterator[None]:
    """py-spy (`pip install py-spy`) sampling the server, all threads, while in the block."""
    spy = str(Path(sys.executable).parent / "py-spy")
    command = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "250"]
    recorder = subprocess.Popen(
        [*command, "--threads", "--output", path, "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # py-spy attaches
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc; 0.0 elsewhere): what the
    server spent, whatever else the machine runs meanwhile."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def outbox_statuses(http: httpx.Client, eid: int) -> Counter[str]:
    messages = http.get(f"/api/v1/engagements/{eid}/messages").raise_for_status().json()
    return Counter(m["status"] for m in messages if m["kind"] == "invitation")


@dataclass
class MailRun:
    """One timed invitation run: what bench/mail.py prints."""

    database: str
    count: int
    capacity: float  # the sink's mails/s on one connection
    queued: int
    queue_s: float  # the POST's answer
    deliver_s: float  # from the answer to the last mail at the sink
    delivered: int  # invitation mails at the sink, doubles included
    distinct: int  # distinct invitation Message-IDs
    cpu_queue_us: float  # server CPU per invitation
    cpu_send_us: float
    duplicates: int  # by Message-ID
    doubled_people: int  # by recipient
    missing: int
    statuses: dict[str, int]

    @property
    def total(self) -> float:
        return self.queue_s + self.deliver_s

    @property
    def goal(self) -> float:
        """The goal scaled to this count (15 s for 10 000)."""
        return GOAL_SECONDS * self.count / GOAL_COUNT

    @property
    def intact(self) -> bool:
        """None lost or doubled, every one queued."""
        return not (
            self.duplicates or self.doubled_people or self.missing or self.queued != self.count
        )

    @property
    def met(self) -> bool:
        return self.total <= self.goal and self.intact

    def report(self) -> list[str]:
        queue_s, deliver_s, total = self.queue_s, self.deliver_s, self.total
        return [
            f"database: {self.database}; sink capacity on one connection: "
            f"{self.capacity:.0f} mails/s",
            f"queued:    {self.queued} invitations, POST answered in {queue_s:.2f} s "
            f"({self.queued / queue_s if queue_s else 0:.0f}/s)",
            f"delivered: {self.delivered} mails, the last {deliver_s:.2f} s after the answer "
            f"({self.distinct / deliver_s if deliver_s else 0:.0f} mails/s)",
            f"end to end: {total:.2f} s, {self.distinct / total:.0f} mails/s",
            f"server CPU per invitation: {self.cpu_queue_us:.0f} µs to "
            f"queue, {self.cpu_send_us:.0f} µs to send",
            f"duplicates: {self.duplicates} by Message-ID, {self.doubled_people} by recipient; "
            f"missing: {self.missing}; outbox: {self.statuses}",
            f"goal {self.goal:.1f} s for {self.count} ({GOAL_SECONDS:.0f} s per {GOAL_COUNT}): "
            f"ratio {self.goal / total:.2f} ({'met' if total <= self.goal else 'MISSED'})",
        ]


def measure(
    count: int = GOAL_COUNT,
    database: str = "sqlite",
    timeout: float = 300.0,
    profile: str | None = None,
    log: Callable[[str], None] = print,
) -> MailRun:
    """Set up the service, the sink and `count` participants, then time the invitations."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-mail-")))
        if database == "postgresql":
            from tests.postgres import PostgresServer, unavailable_reason

            reason = unavailable_reason()
            if reason:
                sys.exit(f"PostgreSQL unavailable: {reason}")
            database_url = stack.enter_context(PostgresServer()).create_database("bench")
        else:
            database_url = f"sqlite:///{workdir / 'fokus.db'}"
        sink = Sink()
        stack.callback(sink.close)
        capacity = sink_capacity(sink.port)
        env = {
            **os.environ,
            "FOKUS_DATABASE_URL": database_url,
            "FOKUS_SECRET_KEY": "bench",
            "FOKUS_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
            "FOKUS_MAIL_FROM": "fokusberatung@agentur.example",
            "FOKUS_LOG_FORMAT": os.environ.get("FOKUS_LOG_FORMAT", "json"),
        }
        fokus(["db", "upgrade"], env, workdir)
        key = fokus(["apikey", "create", "--name", "Bench", "--role", "staff"], env, workdir)
        headers = {"Authorization": f"Bearer {key.strip().splitlines()[-1]}"}
        port = free_port()
        server = subprocess.Popen(
            [FOKUS, "serve", "--port", str(port)],  # with the scheduler: its dispatcher sends
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(server.wait, 30)
        stack.callback(server.terminate)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url)

        http = stack.enter_context(httpx.Client(base_url=url, headers=headers, timeout=600))
        eid = http.post("/api/v1/engagements", json=ENGAGEMENT).raise_for_status().json()["id"]
        started = time.perf_counter()
        add_participants(url, headers, eid, count)
        log(f"set-up: {count} participants through the API in "
            f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        workshop = {
            "title": "Auftaktworkshop",
            "starts_at": "2030-05-07T17:00:00",
            "ends_at": "2030-05-07T20:00:00",
            "location": "Rathaus, Sitzungssaal",
            "agenda": "Begrüßung\nBestandsaufnahme\nNächste Schritte",
        }
        wid = http.post(f"/api/v1/engagements/{eid}/workshops", json=workshop)
        wid = wid.raise_for_status().json()["id"]
        # mail of the set-up (if any) out of the way first: only invitations are timed
        before = sink.count()
        if profile:
            stack.enter_context(profiling(server.pid, profile))

        cpu_started = cpu_seconds(server.pid)
        started = time.perf_counter()
        answer = http.post(f"/api/v1/workshops/{wid}/invitations")
        queued_at = time.perf_counter()
        cpu_queued = cpu_seconds(server.pid)
        queued = int(answer.raise_for_status().json()["queued"])
        deadline = started + timeout
        while sink.count() - before < count and time.perf_counter() < deadline:
            time.sleep(0.02)
        delivered_at = time.perf_counter()
        cpu_delivered = cpu_seconds(server.pid)

        # after the clock: every row sent, nothing more arriving
        while time.perf_counter() < deadline:
            statuses = outbox_statuses(http, eid)
            if statuses.get("queued", 0) == 0:
                break
            time.sleep(0.2)
        report = sink.report()

    ids = Counter({k: v for k, v in report["ids"].items() if k.startswith("<invitation.")})
    recipients = Counter({k: v for k, v in report["recipients"].items() if k.startswith("person")})
    expected = {f"person{i}@example.org" for i in range(count)}
    return MailRun(
        database=database,
        count=count,
        capacity=capacity,
        queued=queued,
        queue_s=queued_at - started,
        deliver_s=delivered_at - queued_at,
        delivered=sum(ids.values()),
        distinct=len(ids),
        cpu_queue_us=(cpu_queued - cpu_started) / count * 1e6,
        cpu_send_us=(cpu_delivered - cpu_queued) / count * 1e6,
        duplicates=sum(ids.values()) - len(ids),
        doubled_people=sum(n - 1 for n in recipients.values() if n > 1),
        missing=len(expected - set(recipients)),
        statuses=dict(statuses),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=GOAL_COUNT)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after (s)")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="record the server with py-spy during the timed part (collapsed stacks)",
    )
    args = parser.parse_args()
    run = measure(args.count, args.database, args.timeout, args.profile)
    print("\n".join(run.report()))
    if not run.intact:
        sys.exit("lost or doubled mail")


if __name__ == "__main__":
    main()
