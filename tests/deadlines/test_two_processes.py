"""Must show 2, two sweeping processes: two real OS processes sweep the same database
at the same moments, twice each; every reminder and escalation is in the outbox exactly
once, and each due row was won by exactly one of them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from service.core.context import Context
from service.mail.models import OutboxMessage
from tests.conftest import BERLIN
from tests.deadlines.conftest import SUPERVISORS, kinds, outbox
from tests.support import Api

ROOT = Path(__file__).resolve().parents[2]
COUNT = 16
# deadline Monday 30 March: reminders due Tuesday 24 March, overdue Wednesday 1 April,
# the weekly repeat a week later
PHASES = [
    datetime(2026, 3, 24, 9, 0, tzinfo=BERLIN),
    datetime(2026, 4, 1, 9, 0, tzinfo=BERLIN),
    datetime(2026, 4, 8, 9, 0, tzinfo=BERLIN),
]
EXPECTED = [
    {"reminder": COUNT},
    {"reminder": COUNT, "escalation": COUNT},
    {"reminder": COUNT, "escalation": 2 * COUNT},
]


def _both_done(folder: Path, phase: int) -> bool:
    return len(list(folder.glob(f"go.{phase}.done.*"))) == 2


def _wait(check: Callable[[], bool], what: str, procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 60
    while not check():
        for proc in procs:
            if proc.poll() not in (None, 0):
                raise AssertionError(f"sweeper failed: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what}")
        time.sleep(0.01)


def test_two_sweeping_processes_queue_each_mail_once(
    staff: Api, ctx: Context, tmp_path: Path
) -> None:
    for i in range(COUNT):
        staff.engagement(municipality=f"Gemeinde {i}", contact_email=f"kontakt{i}@example.org")
    go = tmp_path / "go"
    env = {
        **os.environ,
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SUPERVISOR_EMAILS": ",".join(SUPERVISORS),
        "FOKUS_VAR_DIR": str(tmp_path / "var"),
        "FOKUS_SECRET_KEY": "test-secret",
        "FOKUS_MAIL_FROM": ctx.settings.mail_from,
        "FOKUS_TEST_TIMES": ",".join(t.isoformat() for t in PHASES),
        "FOKUS_TEST_GO": str(go),
        "FOKUS_TEST_RUNS": "2",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.deadlines.sweep_process"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for k, expected in enumerate(EXPECTED):
            Path(f"{go}.{k}").touch()  # both start this phase at the same moment
            _wait(partial(_both_done, tmp_path, k), f"phase {k}", procs)
            won = [int(p.read_text()) for p in sorted(tmp_path.glob(f"go.{k}.done.*"))]
            print(f"phase {k}: rows won per process {won}")
            assert sum(won) == COUNT  # every due row won exactly once
            assert kinds(ctx) == expected
        for proc in procs:
            _out, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()

    mails = outbox(ctx)
    keys = [m.dedupe_key for m in mails if m.kind in ("reminder", "escalation")]
    assert len(keys) == len(set(keys)) == 3 * COUNT
    assert {m.engagement_id for m in mails if m.kind == "reminder"} == set(range(1, COUNT + 1))
    # the processes swept, each with its clock at the phase's moment: every row they
    # queued is stamped with one of those moments (the test's own clock stands at START)
    queued_at = Counter((kind, at.astimezone(UTC)) for kind, at in _created(ctx))
    assert queued_at == {
        ("reminder", PHASES[0]): COUNT,
        ("escalation", PHASES[1]): COUNT,
        ("escalation", PHASES[2]): COUNT,
    }


def _created(ctx: Context) -> list[tuple[str, datetime]]:
    """(kind, created_at) of the swept rows; a naive time from the database is UTC."""
    with ctx.db.read() as session:
        rows = session.execute(
            select(col(OutboxMessage.kind), col(OutboxMessage.created_at)).where(
                col(OutboxMessage.kind).in_(("reminder", "escalation"))
            )
        ).all()
    return [(kind, at if at.tzinfo else at.replace(tzinfo=UTC)) for kind, at in rows]
