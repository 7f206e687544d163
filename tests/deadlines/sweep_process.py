"""A separate sweeping process for the two-process test. It builds its own Context over
the database in FOKUS_DATABASE_URL and runs one phase per time in FOKUS_TEST_TIMES
(comma-separated ISO times): it waits for the file `{FOKUS_TEST_GO}.{k}` (so both
processes start each phase together), sweeps FOKUS_TEST_RUNS times with the clock at
that time, and reports the rows it won in `{FOKUS_TEST_GO}.{k}.done.{pid}`.

    python -m tests.deadlines.sweep_process
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

from service.core.clock import MovableClock
from service.core.context import Context
from service.core.settings import Settings
from service.engagements.jobs import SWEEPS


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.002)


def main() -> None:
    times = [datetime.fromisoformat(t) for t in os.environ["FOKUS_TEST_TIMES"].split(",")]
    clock = MovableClock(times[0])
    ctx = Context.from_settings(Settings(), clock=clock)
    go = os.environ["FOKUS_TEST_GO"]
    runs = int(os.environ.get("FOKUS_TEST_RUNS", "2"))
    with ctx.db.read() as session:  # imported and connected before the first phase
        session.connection()
    for k, moment in enumerate(times):
        _wait_for(Path(f"{go}.{k}"))
        clock.set(moment)
        claimed = 0
        for _ in range(runs):
            for sweep in SWEEPS:
                claimed += getattr(sweep.run(ctx), "claimed", 0)
        tmp = Path(f"{go}.tmp.{os.getpid()}")
        tmp.write_text(str(claimed))
        tmp.rename(f"{go}.{k}.done.{os.getpid()}")  # atomic: never read half-written
    ctx.db.dispose()


if __name__ == "__main__":
    main()
