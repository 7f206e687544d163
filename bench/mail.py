"""Mail throughput: 10 000 invitations queued in bulk, sent by the outbox dispatcher to a
local SMTP sink (aiosmtpd in its own process); prints mails/s and the ratio to the goal.

    .venv/bin/python bench/mail.py [--count 10000] [--database-url URL]

Goal: >= 170 mails/s (10 000 in <= 60 s). Each message is built (text + HTML + .ics),
sent over one reused SMTP connection per batch and marked sent in its own transaction.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

# the repository instead of bench/ (whose transitions.py would shadow the library)
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlalchemy import select  # noqa: E402
from sqlmodel import col  # noqa: E402

from service.core.clock import MovableClock  # noqa: E402
from service.core.context import Context  # noqa: E402
from service.core.migrate import upgrade  # noqa: E402
from service.core.settings import Settings  # noqa: E402
from service.engagements import service as engagements  # noqa: E402
from service.engagements.schemas import EngagementCreate  # noqa: E402
from service.mail.dispatch import dispatch  # noqa: E402
from service.mail.models import OutboxMessage  # noqa: E402
from service.participants.models import Participant  # noqa: E402
from service.workshops import service as workshops  # noqa: E402
from service.workshops.invitations import invite  # noqa: E402
from service.workshops.schemas import WorkshopCreate  # noqa: E402

GOAL = 170.0

SINK = r"""
import signal, sys, threading, time
from aiosmtpd.controller import Controller

count = 0
lock = threading.Lock()

class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        with lock:
            count += 1
        return "250 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: done.set())
done.wait()
controller.stop()
print(count, flush=True)
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        sink = subprocess.Popen(
            [sys.executable, "-c", SINK, str(port)], stdout=subprocess.PIPE, text=True
        )
        assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
        settings = Settings(
            database_url=args.database_url or f"sqlite:///{tmp}/bench.db",
            smtp_url=f"smtp://127.0.0.1:{port}",
            var_dir=Path(tmp) / "var",
            secret_key="bench",
            mail_from="fokusberatung@agentur.example",
        )
        ctx = Context.from_settings(settings, clock=MovableClock(datetime.now(UTC)))
        upgrade(ctx.db)
        try:
            started = time.perf_counter()
            with ctx.db.write() as session:
                engagement = engagements.create(
                    session,
                    ctx,
                    EngagementCreate(
                        municipality="Gemeinde Beispielstadt",
                        applicant_type="municipality",
                        federal_state="BY",
                        contact_name="Anna Schmidt",
                        contact_email="anna@example.org",
                    ),
                )
                eid = engagement.id
                assert eid is not None
                now = ctx.clock.now()
                session.add_all(
                    Participant(
                        engagement_id=eid,
                        name=f"Person Nr. {i} Größe",
                        email=f"person{i}@example.org",
                        created_at=now,
                    )
                    for i in range(args.count)
                )
                workshop = workshops.create(
                    session,
                    ctx,
                    eid,
                    WorkshopCreate(
                        title="Auftaktworkshop",
                        starts_at=datetime(2030, 5, 7, 17, 0),
                        ends_at=datetime(2030, 5, 7, 20, 0),
                        location="Rathaus, Sitzungssaal",
                    ),
                    "bench",
                )
                session.flush()
                assert workshop.id is not None
                queued = invite(session, ctx, workshop.id, None, "bench")
            queue_seconds = time.perf_counter() - started
            print(f"queued {queued} invitations in {queue_seconds:.1f} s")

            started = time.perf_counter()
            result = dispatch(ctx)
            seconds = time.perf_counter() - started
        finally:
            sink.terminate()
            received = int((sink.communicate(timeout=30)[0] or "0").split()[-1])
        with ctx.db.read() as session:
            statuses = Counter(session.execute(select(col(OutboxMessage.status))).scalars())
        ctx.db.dispose()

    rate = result.sent / seconds if seconds else 0.0
    print(f"sent {result.sent} (sink received {received}; statuses {dict(statuses)})")
    print(f"dispatch: {seconds:.1f} s, {rate:.0f} mails/s")
    print(
        f"goal {GOAL:.0f} mails/s: ratio {rate / GOAL:.2f} ({'met' if rate >= GOAL else 'MISSED'})"
    )
    if received != result.sent or statuses.get("sent", 0) != args.count:
        sys.exit("mismatch between sent, received and recorded mail")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
