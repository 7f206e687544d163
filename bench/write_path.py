"""The write path in-process: what one transition costs with 1, 10 and 30 participants
(issue 16: a transition with 30 participants at most 1.2 x one with 1).

Each engagement (process version 1: every step notifies every participant) has N
participants and an ended workshop, and moves back and forth between `workshops` and
`guiding_vision` through `service.engagements.service.transition`, one write
transaction per transition, as the API's writer runs it: version check, guards, state,
history, deadlines, milestones, the stage notice queued for every participant.
Printed per N: transitions/s, µs CPU per transition, and the ratio to N = 1.

    .venv/bin/python bench/write_path.py [--database sqlite|postgresql] [--transitions 1000]
        [--participants 1,10,30] [--profile FILE]    # cProfile of the largest N into FILE

The dispatcher does not run here: rendering happens when mail is sent (mail/deferred.py).
"""

from __future__ import annotations

import argparse
import cProfile
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/ (a bench file could shadow a library)

from service.core.context import Context  # noqa: E402
from service.core.migrate import upgrade  # noqa: E402
from service.core.settings import Settings  # noqa: E402
from service.engagements import service  # noqa: E402
from service.engagements.schemas import EngagementCreate, TransitionRequest  # noqa: E402
from service.participants.models import Participant  # noqa: E402
from service.workshops.models import Workshop  # noqa: E402
from tests.support import ENGAGEMENT  # noqa: E402

GOAL_RATIO = 1.2  # issue 16: 30 participants at most 1.2 x the CPU of 1
TOGGLE = {"workshops": "draft_vision", "guiding_vision": "reopen_workshops"}


def prepared(ctx: Context, participants: int) -> int:
    """An engagement in `workshops` with `participants` people and an ended workshop."""
    now = ctx.clock.now()
    with ctx.db.write() as session:
        eid = service.create(session, ctx, EngagementCreate(**ENGAGEMENT)).id
        assert eid is not None
        service.transition(session, ctx, eid, TransitionRequest(trigger="approve"), "bench")
        for i in range(participants):
            session.add(
                Participant(
                    engagement_id=eid,
                    name=f"Petra Klein {i}",
                    email=f"petra.{eid}.{i}@example.org",
                    salutation="frau" if i % 2 else None,
                    language="en" if i % 3 == 0 else "de",
                    created_at=now,
                )
            )
        session.add(
            Workshop(
                engagement_id=eid,
                title="Auftakt",
                starts_at=now - timedelta(days=2),
                ends_at=now - timedelta(days=2, hours=-2),
                location="Rathaus",
                uid=f"bench-{eid}@fokus",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        service.transition(session, ctx, eid, TransitionRequest(trigger="start_workshops"), "b")
    return eid


def walk(ctx: Context, eid: int, count: int) -> tuple[float, float]:
    """`count` transitions, each committed on its own; returns (wall s, CPU s)."""
    state = "workshops"
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        with ctx.db.write() as session:
            engagement, _facts = service.transition(
                session, ctx, eid, TransitionRequest(trigger=TOGGLE[state]), "bench"
            )
            state = engagement.state
    return time.perf_counter() - wall, time.process_time() - cpu


@dataclass
class WritePath:
    """Medians per participant count: transitions/s (wall) and µs CPU per transition."""

    database: str
    transitions: int
    runs: int
    rate: dict[int, float]
    cpu_us: dict[int, float]

    def cpu_ratio(self, n: int, base: int) -> float:
        """CPU per transition with `n` participants over that with `base`."""
        return self.cpu_us[n] / self.cpu_us[base]

    def rate_ratio(self, n: int, base: int) -> float:
        """Wall time per transition with `n` participants over that with `base`."""
        return self.rate[base] / self.rate[n]

    def report(self) -> list[str]:
        counts = list(self.cpu_us)
        lines = [
            f"write path in-process, {self.database}, {self.transitions} transitions, "
            f"median of {self.runs}"
        ]
        for n in counts:
            us = self.cpu_us[n]
            lines.append(
                f"  {n:3d} participant(s): {self.rate[n]:7.0f} transitions/s  "
                f"{us:7.0f} µs CPU each  x{self.cpu_ratio(n, counts[0]):.2f} of {counts[0]}"
            )
        return lines


def measure(
    database: str,
    transitions: int = 1000,
    counts: Sequence[int] = (1, 10, 30),
    runs: int = 3,
    profile: Path | None = None,
) -> WritePath:
    """A fresh database (SQLite file or throw-away PostgreSQL), one engagement per count,
    `runs` interleaved walks of `transitions` each; `profile`: cProfile of the largest."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-bench-")))
        if database == "postgresql":
            from tests.postgres import PostgresServer, unavailable_reason

            reason = unavailable_reason()
            if reason:
                sys.exit(f"PostgreSQL unavailable: {reason}")
            server = stack.enter_context(PostgresServer())
            url = server.create_database("bench")
        else:
            url = f"sqlite:///{workdir / 'fokus.db'}"
        settings = Settings(
            database_url=url, var_dir=workdir / "var", secret_key="bench", _env_file=None
        )
        ctx = Context.from_settings(settings)
        upgrade(ctx.db)
        stack.callback(ctx.db.dispose)
        engagements = {n: prepared(ctx, n) for n in counts}
        for n in counts:  # warm caches and compiled statements
            walk(ctx, engagements[n], 50)
        cpu: dict[int, list[float]] = {n: [] for n in counts}
        rate: dict[int, list[float]] = {n: [] for n in counts}
        for _ in range(runs):  # interleaved, so a noisy moment hits every N alike
            for n in counts:
                wall, used = walk(ctx, engagements[n], transitions)
                rate[n].append(transitions / wall)
                cpu[n].append(used / transitions * 1e6)
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(walk, ctx, engagements[max(counts)], transitions)
            profiler.dump_stats(str(profile))
    return WritePath(
        database,
        transitions,
        runs,
        {n: statistics.median(rate[n]) for n in counts},
        {n: statistics.median(cpu[n]) for n in counts},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--transitions", type=int, default=1000)
    parser.add_argument("--participants", default="1,10,30")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="cProfile of the largest N into this file")
    args = parser.parse_args()
    counts = [int(n) for n in args.participants.split(",")]

    result = measure(args.database, args.transitions, counts, args.runs, args.profile)
    print("\n".join(result.report()))
    if args.profile:
        print(f"  cProfile of {max(counts)} participant(s): {args.profile}")


if __name__ == "__main__":
    main()
