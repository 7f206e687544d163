"""Mail tests run against a real SMTP server (aiosmtpd on loopback): the app is
configured with FOKUS_SMTP_URL pointing at the sink, and tests run the dispatcher sweep
themselves (moving the clock instead of sleeping)."""

from __future__ import annotations

import email.policy
import os
import re
import subprocess
import sys
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest

from service.core.context import Context
from service.mail.dispatch import DispatchResult, dispatch
from tests.support import Api, SmtpSink


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


# runs the dispatcher sweep once
Send = Callable[[], DispatchResult]


@pytest.fixture
def send(ctx: Context) -> Send:
    """Runs the dispatcher sweep once, as the scheduler would."""

    def run() -> DispatchResult:
        return dispatch(ctx)

    return run


def setup_workshop(staff: Api, people: int = 2, **workshop: Any) -> tuple[int, list[int], int]:
    """An engagement with `people` participants and one future workshop."""
    eid = staff.engagement()["id"]
    names = ["Jürgen Größe-Weiß", "Petra Klein", "Zoë Ünal", "Max Mustermann"]
    pids = [
        staff.participant(eid, name=names[i % len(names)] + ("" if i < 4 else f" {i}"),
                          email=f"person{i}.{eid}@example.org")["id"]
        for i in range(people)
    ]  # fmt: skip
    wid = staff.workshop(eid, **workshop)["id"]
    return eid, pids, wid


def parts(message: EmailMessage) -> dict[str, Any]:
    """The text, HTML and calendar parts and the .ics attachment of a received mail."""
    found: dict[str, Any] = {}
    for part in message.walk():
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            continue
        if part.get_filename():
            found["attachment"] = part
        elif ctype == "text/plain":
            found["text"] = part.get_content()
        elif ctype == "text/html":
            found["html"] = part.get_content()
        elif ctype == "text/calendar":
            found["calendar"] = part
    return found


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    part = parts(message)["calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def rsvp_path(message: EmailMessage) -> str:
    match = re.search(r"http://fokus\.example(/rsvp/[A-Za-z0-9_.\-]+)", parts(message)["text"])
    assert match, "no RSVP link in the text part"
    return match.group(1)


def reparse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def restart_sink(sink: SmtpSink) -> None:
    """Starts a stopped sink again on the same port (aiosmtpd needs a new controller)."""
    from aiosmtpd.controller import Controller

    from tests.support import _Handler

    sink.controller = Controller(_Handler(sink), hostname="127.0.0.1", port=sink.port)
    sink.start()


class SlowSink(SmtpSink):
    """A real SMTP sink that takes `delay` seconds to accept each message (so a test can
    kill a sender mid-batch)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.controller = Controller(_SlowHandler(self), hostname="127.0.0.1", port=self.port)


class _SlowHandler:
    def __init__(self, sink: SlowSink) -> None:
        from tests.support import _Handler

        self.sink = sink
        self.inner = _Handler(sink)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        await asyncio.sleep(self.sink.delay)
        return await self.inner.handle_DATA(server, session, envelope)


def queue_invitations(ctx: Context, staff: Api, count: int) -> tuple[int, int]:
    """`count` participants invited to one workshop in 2030, queued through the service
    layer in one transaction (fast), with the clock set to real time so that a
    subprocess with the system clock finds them due. Returns (engagement, workshop)."""
    from datetime import UTC, datetime

    from service.core.clock import MovableClock
    from service.participants import service as participants
    from service.participants.schemas import ParticipantCreate
    from service.workshops.invitations import invite

    assert isinstance(ctx.clock, MovableClock)
    ctx.clock.set(datetime.now(UTC))
    eid = staff.engagement()["id"]
    wid = staff.workshop(eid, starts_at="2030-05-07T17:00:00", ends_at="2030-05-07T20:00:00")["id"]
    with ctx.db.write() as session:
        for i in range(count):
            data = ParticipantCreate(name=f"Person Nr. {i} Müller", email=f"p{i}@example.org")
            participants.create(session, ctx, eid, data, "test")
        session.flush()
        assert invite(session, ctx, wid, None, "test") == count
    return eid, wid


def scheduler_process(
    ctx: Context, smtp_url: str, cwd: Path, metrics_port: int | None = None
) -> subprocess.Popen[bytes]:
    """`fokus scheduler` (sweeps only) on the test's database, sweeping every second;
    with `metrics_port`, its /metrics (sweep runs) on that port."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FOKUS_")},
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SMTP_URL": smtp_url,
        "FOKUS_SECRET_KEY": "test-secret",
        "FOKUS_BASE_URL": ctx.settings.base_url,
        "FOKUS_MAIL_FROM": ctx.settings.mail_from,
        "FOKUS_VAR_DIR": str(cwd / "var"),
        "FOKUS_SCHEDULER_INTERVAL_SECONDS": "1",
    }
    fokus = Path(sys.executable).parent / "fokus"
    options = [] if metrics_port is None else ["--metrics-port", str(metrics_port)]
    return subprocess.Popen(
        [str(fokus), "scheduler", *options], env=env, cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
