"""`make bench`: the figures of issue 16 in one run, on SQLite and on PostgreSQL, medians
of 3 rounds each:
- in-process, the Fokusberatung walked to completion by fokus's service layer and by the
  peers (bench/peers/compare.py), with the ratio fokus / fastest peer;
- through HTTP, transitions with 16 keep-alive clients beside the floor of the stack
  (bench/transitions.py, bench/floor.py), with the ratio to the floor and the p99s;
then, after those and NOT in 3 rounds but one run each per database:
- the write path, a transition with 30 participants against one with 1 (bench/write_path.py,
  1 000 transitions each; its own median of 3 interleaved walks inside that one run);
- mail through the running service, 10 000 invitations queued and delivered to a local
  SMTP sink, none lost or doubled (bench/mail.py);
- the overview's p50 at 100 000 against 1 000 engagements and the memory it gained
  (bench/overview.py, 300 requests each);
then one summary table against the issue's goals. `--quick` is a smoke run (300
instances, 2 s, 200 transitions, 1 000 invitations, 10 000 engagements, 100 requests),
figures too small to quote; `--only` picks parts (default all of them).

    .venv/bin/python bench/run_all.py [--quick] [--database sqlite|postgresql|both]
        [--instances 1000] [--seconds 5] [--rounds 3]
        [--only peers,http,write,mail,overview]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/ (bench/transitions.py shadows a library)

from bench import mail, overview, write_path  # noqa: E402
from bench import transitions as http_transitions  # noqa: E402
from bench.peers import compare  # noqa: E402

# issue 16's goals: fokus / fastest peer in-process, transitions / floor through HTTP
GOAL_PEERS = {"sqlite": 5.0, "postgresql": 3.0}
PARTS = ("peers", "http", "write", "mail", "overview")
PARTICIPANTS = (1, 30)  # the write path: 30 participants against 1


@dataclass
class Line:
    figure: str
    database: str
    value: str
    goal: str
    met: bool | None
    note: str = ""

    def render(self) -> str:
        verdict = {True: "met", False: "MISSED", None: ""}[self.met]
        return (
            f"  {self.figure:<32} {self.database:<11} {self.value:>18}  {self.goal:<9} "
            f"{verdict:<6} {self.note}"
        ).rstrip()


def parts(value: str) -> tuple[str, ...]:
    chosen = tuple(p.strip() for p in value.split(",") if p.strip())
    unknown = [p for p in chosen if p not in PARTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose among {','.join(PARTS)}")
    return chosen


def write_lines(kind: str, result: write_path.WritePath) -> list[Line]:
    one, many = PARTICIPANTS
    ratio = result.cpu_ratio(many, one)
    return [
        Line(
            f"write: {many} / {one} participants, CPU",
            kind,
            f"{ratio:.2f}×",
            f"<= {write_path.GOAL_RATIO:g}×",
            ratio <= write_path.GOAL_RATIO,
            f"wall {result.rate_ratio(many, one):.2f}× "
            f"({result.rate[one]:.0f}/{result.rate[many]:.0f} tr/s)",
        )
    ]


def mail_lines(kind: str, run: mail.MailRun) -> list[Line]:
    return [
        Line(
            f"mail: {run.count} queued → delivered",
            kind,
            f"{run.total:.1f} s",
            f"<= {run.goal:g} s",
            run.total <= run.goal,
            f"queued in {run.queue_s:.1f} s; sink {run.capacity:.0f} mails/s",
        ),
        Line(
            "mail: lost / doubled",
            kind,
            f"{run.missing} / {run.duplicates + run.doubled_people}",
            "0 / 0",
            run.intact,
            f"{run.queued} queued, {run.distinct} distinct at the sink",
        ),
    ]


def overview_lines(kind: str, result: overview.Overview) -> list[Line]:
    return [
        Line(
            f"overview p50 {result.large} / {result.small}",
            kind,
            f"{result.ratio:.2f}× ({result.p50[1]:.1f}/{result.p50[0]:.1f} ms)",
            f"<= {overview.GOAL_RATIO:g}×",
            result.ratio <= overview.GOAL_RATIO,
        ),
        Line(
            "overview RSS growth",
            kind,
            f"{result.growth_mb:.1f} MB",
            f"< {overview.GOAL_GROWTH_MB:g} MB",
            result.growth_mb < overview.GOAL_GROWTH_MB,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 instances, 2 s measurements")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--instances", type=int, default=None, help="default 1000 (quick 300)")
    parser.add_argument("--seconds", type=float, default=None, help="default 5 (quick 2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of peers and HTTP")
    parser.add_argument(
        "--only", type=parts, default=PARTS, help=f"some of {','.join(PARTS)} (default all)"
    )
    args = parser.parse_args()
    instances = args.instances or (300 if args.quick else 1000)
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    transitions = 200 if args.quick else 1000
    invitations = 1_000 if args.quick else mail.GOAL_COUNT
    engagements = 10_000 if args.quick else 100_000
    requests = 100 if args.quick else 300
    only: tuple[str, ...] = args.only
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    started = time.perf_counter()

    missing = compare.missing_engines() if "peers" in only else []
    if missing:
        print(
            f"peers {', '.join(missing)} skipped (not installed): {compare.INSTALL_HINT}",
            flush=True,
        )
    summary: list[Line] = []
    for kind in kinds:
        if "peers" in only:
            print(f"== {kind}: in-process peers", flush=True)
            comparison = compare.compare(kind, instances, args.rounds)
            print("\n".join(compare.report(comparison, instances)), flush=True)
            fokus_rate = comparison.median_rate("fokus")
            summary.append(
                Line("fokus in-process transitions/s", kind, f"{fokus_rate:.0f}", "", None)
            )
            fastest = comparison.fastest_peer()
            if fastest is not None:
                ratio = comparison.ratio(fastest)
                goal = GOAL_PEERS[kind]
                summary.append(
                    Line(
                        "fokus / fastest peer",
                        kind,
                        f"{ratio:.2f}×",
                        f">= {goal:g}×",
                        ratio >= goal,
                        f"fastest peer: {fastest}",
                    )
                )
                summary.append(
                    Line(
                        "  the same, CPU per transition",
                        kind,
                        f"{comparison.cpu_ratio(fastest):.2f}×",
                        "",
                        None,
                    )
                )

        if "http" in only:
            print(f"== {kind}: HTTP transitions beside the floor", flush=True)
            measurement = http_transitions.measure(kind, seconds=seconds, rounds=args.rounds)
            print("\n".join(measurement.report()), flush=True)
            goal = http_transitions.GOAL_RATIO[kind]
            floor_rate = measurement.median(lambda r: r.floor.per_second)
            rate = measurement.median(lambda r: r.transitions.per_second)
            summary += [
                Line(
                    "HTTP transitions/s (floor)",
                    kind,
                    f"{rate:.0f} ({floor_rate:.0f})",
                    "",
                    None,
                ),
                Line(
                    "HTTP transitions / floor",
                    kind,
                    f"{measurement.ratio:.2f}×",
                    f">= {goal:g}×",
                    measurement.ratio >= goal,
                ),
                Line(
                    "HTTP p99 / floor p99 (ms)",
                    kind,
                    f"{measurement.p99_ratio:.2f}× "
                    f"({measurement.p('transitions', 0.99):.0f}/"
                    f"{measurement.p('floor', 0.99):.0f})",
                    f"<= {http_transitions.GOAL_P99_RATIO:g}×",
                    measurement.p99_ratio <= http_transitions.GOAL_P99_RATIO,
                ),
            ]

        # once per database, not in rounds
        if "write" in only:
            print(f"== {kind}: write path, 30 participants against 1 (one run)", flush=True)
            written = write_path.measure(kind, transitions, PARTICIPANTS)
            print("\n".join(written.report()), flush=True)
            summary += write_lines(kind, written)
        if "mail" in only:
            print(
                f"== {kind}: mail through the service, {invitations} invitations (one run)",
                flush=True,
            )
            run = mail.measure(invitations, kind, log=lambda line: print(line, flush=True))
            print("\n".join(run.report()), flush=True)
            summary += mail_lines(kind, run)
        if "overview" in only:
            print(f"== {kind}: overview, 1000 and {engagements} engagements (one run)", flush=True)
            seen = overview.measure(kind, 1_000, engagements, requests)
            print("\n".join(seen.report()), flush=True)
            summary += overview_lines(kind, seen)

    rounds, once = [], []
    if "peers" in only:
        rounds.append(f"peers ({instances} instances in-process)")
    if "http" in only:
        rounds.append(f"HTTP ({seconds:g} s per measurement)")
    if "write" in only:
        once.append(f"write path ({transitions} transitions, its own median of 3 walks)")
    if "mail" in only:
        once.append(f"mail ({invitations} invitations)")
    if "overview" in only:
        once.append(f"overview (1000 and {engagements} engagements)")
    print(f"\n== summary, {time.perf_counter() - started:.0f} s in all")
    if rounds:
        print(f"   medians of {args.rounds} rounds: {', '.join(rounds)}")
    if once:
        print(f"   one run per database, not {args.rounds} rounds: {', '.join(once)}")
    print(f"  {'figure':<32} {'database':<11} {'value':>18}  {'goal':<9} verdict")
    for line in summary:
        print(line.render())
    if missing:
        print(f"  (without {', '.join(missing)}: {compare.INSTALL_HINT})")


if __name__ == "__main__":
    main()
