"""Must show 2, two sweeping processes: two real OS processes sweep the same database
at the same moment, several times each; every reminder and escalation is in the outbox
exactly once, and each row was won by exactly one of them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from service.clock import MovableClock
from service.context import Context
from tests.conftest import BERLIN
from tests.deadlines.conftest import SUPERVISORS, kinds, outbox
from tests.support import Api

ROOT = Path(__file__).resolve().parents[2]
COUNT = 12


def _sweep_in_two_processes(ctx: Context, now: datetime, tmp: Path, tag: str) -> list[int]:
    go = tmp / f"go-{tag}"
    env = {
        **os.environ,
        "FOKUS_DATABASE_URL": ctx.settings.database_url,
        "FOKUS_SUPERVISOR_EMAILS": ",".join(SUPERVISORS),
        "FOKUS_VAR_DIR": str(tmp / "var"),
        "FOKUS_SECRET_KEY": "test-secret",
        "FOKUS_MAIL_FROM": ctx.settings.mail_from,
        "FOKUS_TEST_NOW": now.isoformat(),
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
    deadline = time.monotonic() + 30  # both have imported and connected: start together
    while len(list(tmp.glob(f"go-{tag}.ready.*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    claimed = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        claimed.append(int(out.strip().rpartition("claimed=")[2]))
    print(f"{tag}: rows won per process {claimed}")
    return claimed


def test_two_sweeping_processes_queue_each_mail_once(
    staff: Api, ctx: Context, clock: MovableClock, tmp_path: Path
) -> None:
    for i in range(COUNT):
        staff.engagement(municipality=f"Gemeinde {i}", contact_email=f"kontakt{i}@example.org")

    # Tuesday 24 March: every engagement's reminder is due (deadline Monday 30 March)
    claimed = _sweep_in_two_processes(
        ctx, datetime(2026, 3, 24, 9, 0, tzinfo=BERLIN), tmp_path, "reminders"
    )
    assert sum(claimed) == COUNT
    assert kinds(ctx) == {"reminder": COUNT}

    # Wednesday 1 April: every engagement is overdue
    overdue_at = datetime(2026, 4, 1, 9, 0, tzinfo=BERLIN)
    claimed = _sweep_in_two_processes(ctx, overdue_at, tmp_path, "escalations")
    assert sum(claimed) == COUNT
    assert kinds(ctx) == {"reminder": COUNT, "escalation": COUNT}

    # a week later: the weekly repeat, once each
    claimed = _sweep_in_two_processes(ctx, overdue_at + timedelta(days=7), tmp_path, "repeat")
    assert sum(claimed) == COUNT
    assert kinds(ctx) == {"reminder": COUNT, "escalation": 2 * COUNT}

    mails = outbox(ctx)
    keys = [m.dedupe_key for m in mails if m.kind in ("reminder", "escalation")]
    assert len(keys) == len(set(keys)) == 3 * COUNT
    per_engagement = {m.engagement_id for m in mails if m.kind == "reminder"}
    assert len(per_engagement) == COUNT
