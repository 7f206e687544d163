"""Issue 9: SIGTERM ends a real `fokus serve` and a real `fokus scheduler` within 10 s,
also while a sweep that queues mail is running, and nothing is lost.

Before, a sweep that had queued mail asked APScheduler to run the dispatcher early while
the shutdown held the scheduler's lock and waited for that very sweep: the process hung
for ever. Each of 20 rounds starts both processes side by side (two replicas' worth of
sweeping on one database) over a backlog of overdue engagements, waits until escalations
are being queued (and in every other round until mail is being delivered too), sends
SIGTERM to both and measures each. A sweep that was cut short leaves overdue engagements
behind; as a sweep pass only ends once every row it read is escalated, rows left after
the stop prove that both processes were still sweeping when the signal came. After the
rounds one more process works off the rest: every engagement is escalated once and every
outbox row reaches the real SMTP server exactly once; after each round no queued row is
left claimed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from service.core.clock import MovableClock
from service.core.context import Context
from service.core.migrate import upgrade
from service.engagements import service as engagements
from service.engagements.models import Engagement
from service.engagements.schemas import EngagementCreate
from service.mail.models import OutboxMessage
from tests.conftest import TEMPLATE_DB
from tests.postgres import PostgresServer
from tests.support import ENGAGEMENT, SmtpSink, free_port, wait_until

FOKUS = str(Path(sys.executable).parent / "fokus")
ROUNDS = 12  # alternating: stop while queuing, and while queuing and sending
BACKLOG = 150  # overdue engagements at the start of every round (topped up)
STOP_LIMIT_SECONDS = 10.0
SUPERVISOR = "aufsicht@agentur.example"


@dataclass
class Counts:
    escalations: int  # escalation rows in the outbox
    due: int  # overdue engagements not escalated yet
    claimed: int  # queued rows a dispatcher holds


def _counts(ctx: Context) -> Counts:
    now = datetime.now(UTC)
    with ctx.db.read() as session:
        escalations = session.execute(
            select(func.count()).where(col(OutboxMessage.kind) == "escalation")
        ).scalar_one()
        due = session.execute(
            select(func.count()).where(
                col(Engagement.escalation_count) == 0, col(Engagement.next_escalation_at) <= now
            )
        ).scalar_one()
        claimed = session.execute(
            select(func.count()).where(
                col(OutboxMessage.status) == "queued", col(OutboxMessage.claimed_by).is_not(None)
            )
        ).scalar_one()
    return Counts(int(escalations), int(due), int(claimed))


def _add_overdue(ctx: Context, count: int, start: int) -> None:
    """`count` engagements created 60 days ago: their application deadline (20 working
    days) has passed, so the escalation sweep queues one email for each."""
    assert isinstance(ctx.clock, MovableClock)
    ctx.clock.set(datetime.now(UTC) - timedelta(days=60))
    with ctx.db.write() as session:
        for n in range(start, start + count):
            data = EngagementCreate(**{**ENGAGEMENT, "municipality": f"Gemeinde {n}"})
            engagements.create(session, ctx, data)


class Process:
    """`fokus serve` or `fokus scheduler` on the test's database, its output in a file."""

    def __init__(self, command: str, ctx: Context, sink: SmtpSink, workdir: Path) -> None:
        self.command = command
        self.log_path = workdir / f"{command}.log"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FOKUS_")},
            "FOKUS_DATABASE_URL": ctx.settings.database_url,
            "FOKUS_SECRET_KEY": "test-secret",
            "FOKUS_SMTP_URL": sink.url,
            "FOKUS_SUPERVISOR_EMAILS": SUPERVISOR,
            "FOKUS_MAIL_FROM": "fokusberatung@agentur.example",
            "FOKUS_VAR_DIR": str(workdir / "var"),
            "FOKUS_SCHEDULER_INTERVAL_SECONDS": "0.2",
            "FOKUS_LOG_FORMAT": "json",
        }
        args = [FOKUS, command]
        if command == "serve":
            args += ["--port", str(free_port())]
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen(
                args, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.signalled_at: float | None = None
        self.exited_after: float | None = None

    def output(self) -> str:
        return self.log_path.read_text()[-3000:]

    def ready(self) -> bool:
        """Alive, with its signal handling in place: uvicorn installs its handlers before
        the lifespan starts the sweeps; `fokus scheduler` says so once it has."""
        assert self.proc.poll() is None, self.output()
        return self.command == "serve" or "fokus scheduler running" in self.log_path.read_text()

    def assert_stopped_cleanly(self) -> None:
        output = self.log_path.read_text()
        if self.command == "serve":  # uvicorn re-raises SIGTERM after a clean shutdown
            assert self.proc.returncode in (0, -signal.SIGTERM), output[-3000:]
            assert "fokus stopped cleanly" in output, output[-3000:]
        else:
            assert self.proc.returncode == 0, output[-3000:]
            assert "fokus scheduler stopped" in output, output[-3000:]
        assert "Traceback" not in output, output[-3000:]  # no sweep failed either

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def terminate(self) -> None:
        self.signalled_at = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)

    def exited(self) -> bool:
        """Whether it has exited since the SIGTERM (a hang fails the test)."""
        assert self.signalled_at is not None
        if self.exited_after is None and self.proc.poll() is not None:
            self.exited_after = time.monotonic() - self.signalled_at
        if self.exited_after is None:
            waited = time.monotonic() - self.signalled_at
            assert waited < STOP_LIMIT_SECONDS + 10, f"{self.command} hangs:\n{self.output()}"
        return self.exited_after is not None


def _delivered(sink: SmtpSink) -> int:
    with sink.lock:
        return len(sink.messages)


@dataclass
class Lane:
    """One kind of process, with a database and an SMTP sink of its own, so that both
    kinds run side by side (the rounds take half the time) and each is judged alone."""

    command: str
    ctx: Context
    sink: SmtpSink
    added: int = 0
    stop_times: list[float] = field(default_factory=list)
    process: Process | None = None
    started_with: int = 0  # escalations in the outbox when this round's process started
    delivered: int = 0  # emails the sink had when this round's process started

    def start(self, workdir: Path) -> None:
        top_up = BACKLOG - _counts(self.ctx).due
        _add_overdue(self.ctx, top_up, self.added)
        self.added += top_up
        self.started_with = _counts(self.ctx).escalations
        self.delivered = _delivered(self.sink)
        self.process = Process(self.command, self.ctx, self.sink, workdir)

    def queuing(self) -> bool:
        assert self.process is not None
        return self.process.ready() and _counts(self.ctx).escalations > self.started_with

    def sending(self) -> bool:
        return _delivered(self.sink) > self.delivered

    def running(self) -> bool:
        """Started and not signalled yet."""
        return self.process is not None and self.process.signalled_at is None

    def terminate(self) -> None:
        """SIGTERM, once."""
        assert self.process is not None
        if self.process.signalled_at is None:
            self.process.terminate()

    def stopped(self) -> bool:
        assert self.process is not None
        return self.process.signalled_at is not None and self.process.exited()

    def check_stopped(self, round_: int) -> None:
        process = self.process
        assert process is not None and process.exited_after is not None
        process.assert_stopped_cleanly()
        self.stop_times.append(process.exited_after)
        after = _counts(self.ctx)
        assert after.claimed == 0, f"{self.command}: claimed mail was not handed back"
        # a sweep pass ends only once every row it read is escalated: rows left over
        # mean the sweep was still running when the SIGTERM came, and stopped early
        assert after.due > 0, f"{self.command}, round {round_}: the sweep was done or ran on"

    def assert_each_delivered_once(self) -> None:
        with self.ctx.db.read() as session:
            rows = session.execute(
                select(
                    col(OutboxMessage.kind),
                    col(OutboxMessage.engagement_id),
                    col(OutboxMessage.message_id),
                    col(OutboxMessage.status),
                    col(OutboxMessage.attempts),
                )
            ).all()
        assert Counter(kind for kind, *_ in rows) == {"escalation": self.added}
        assert len({engagement for _, engagement, *_ in rows}) == self.added  # once each
        assert {(status, attempts) for *_, status, attempts in rows} == {("sent", 1)}
        with self.sink.lock:
            received = Counter(str(m["Message-ID"]) for m in self.sink.messages)
        assert received == Counter(message_id for _, _, message_id, *_ in rows)  # once


@pytest.fixture
def second_database(
    db_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A second empty, migrated database of the same kind as the test's."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.unique_name("t")
    yield server.create_database(name, template=TEMPLATE_DB)
    server.drop_database(name)


@pytest.fixture
def lanes(
    ctx: Context, smtp_sink: SmtpSink, second_database: str, clock: MovableClock
) -> Iterator[list[Lane]]:
    second = Context.from_settings(
        ctx.settings.model_copy(update={"database_url": second_database}),
        clock=MovableClock(clock.now()),
    )
    upgrade(second.db)
    second_sink = SmtpSink().start()
    lanes = [Lane("serve", ctx, smtp_sink), Lane("scheduler", second, second_sink)]
    try:
        yield lanes
    finally:
        for lane in lanes:
            if lane.process is not None:
                lane.process.kill()
        second_sink.stop()
        second.db.dispose()


@pytest.mark.timeout(180)
def test_sigterm_while_a_sweep_queues_mail_stops_within_10_s_and_loses_nothing(
    lanes: list[Lane], tmp_path: Path
) -> None:
    for round_ in range(ROUNDS):
        for lane in lanes:
            workdir = tmp_path / f"{lane.command}{round_}"
            workdir.mkdir()
            lane.start(workdir)
        # SIGTERM to each process as soon as its sweep is queuing mail; in odd rounds
        # once its mail is going out too
        started = time.monotonic()
        while not all(lane.stopped() for lane in lanes):
            for lane in lanes:
                if lane.running() and lane.queuing() and (round_ % 2 == 0 or lane.sending()):
                    lane.terminate()
            assert time.monotonic() - started < 60, "no sweep queued mail"
            time.sleep(0.01)
        for lane in lanes:
            lane.check_stopped(round_)

    slowest = {lane.command: max(lane.stop_times) for lane in lanes}
    print(f"\nSIGTERM to exit, slowest of {ROUNDS} rounds (s): {slowest}")
    assert all(seconds < STOP_LIMIT_SECONDS for seconds in slowest.values()), slowest

    # one more start of each works off the rest; then every engagement has been
    # escalated once and every email delivered once
    for lane in lanes:
        workdir = tmp_path / f"{lane.command}-final"
        workdir.mkdir()
        lane.process = Process(lane.command, lane.ctx, lane.sink, workdir)

    def all_done() -> bool:
        for lane in lanes:
            assert lane.process is not None and lane.process.proc.poll() is None
            with lane.ctx.db.read() as session:
                unsent = session.execute(
                    select(func.count()).where(col(OutboxMessage.status) != "sent")
                ).scalar_one()
            if unsent or _counts(lane.ctx).due:
                return False
        return True

    wait_until(all_done, timeout=60, step=0.1)
    for lane in lanes:
        lane.terminate()
    wait_until(lambda: all(lane.stopped() for lane in lanes), timeout=STOP_LIMIT_SECONDS)
    for lane in lanes:
        assert lane.process is not None
        lane.process.assert_stopped_cleanly()
        lane.assert_each_delivered_once()
