"""A separate sweeping process for the two-process test: builds its own Context over the
database in FOKUS_DATABASE_URL with a clock fixed at FOKUS_TEST_NOW, waits for the
file named by FOKUS_TEST_GO (so both processes start together), and runs the
engagement sweeps FOKUS_TEST_RUNS times.

    python -m tests.deadlines.sweep_process
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

from service.clock import MovableClock
from service.context import Context
from service.engagements.jobs import SWEEPS
from service.settings import Settings


def main() -> None:
    clock = MovableClock(datetime.fromisoformat(os.environ["FOKUS_TEST_NOW"]))
    ctx = Context.from_settings(Settings(), clock=clock)
    go = Path(os.environ["FOKUS_TEST_GO"])
    with ctx.db.read() as session:  # connected and imported: say so, then wait for go
        session.connection()
    Path(f"{go}.ready.{os.getpid()}").touch()
    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    claimed = 0
    for _ in range(int(os.environ.get("FOKUS_TEST_RUNS", "3"))):
        for sweep in SWEEPS:
            # small batches, so the two processes interleave row by row
            result = sweep.run(ctx)
            claimed += getattr(result, "claimed", 0)
    ctx.db.dispose()
    print(f"claimed={claimed}")


if __name__ == "__main__":
    main()
