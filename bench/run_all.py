"""`make bench`: the figures of issue 16 in one run, on SQLite and on PostgreSQL, medians
of 3 rounds each:
- in-process, the Fokusberatung walked to completion by fokus's service layer and by the
  peers (bench/peers/compare.py), with the ratio fokus / fastest peer;
- through HTTP, transitions with 16 keep-alive clients beside the floor of the stack
  (bench/transitions.py, bench/floor.py), with the ratio to the floor and the p99s;
then one summary table against the issue's goals. About 4 minutes on 2 quiet cores;
`--quick` is a smoke run (under 2 minutes), figures too small to quote.

    .venv/bin/python bench/run_all.py [--quick] [--database sqlite|postgresql|both]
        [--instances 1000] [--seconds 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/ (bench/transitions.py shadows a library)

from bench import transitions as http_transitions  # noqa: E402
from bench.peers import compare  # noqa: E402

# issue 16's goals: fokus / fastest peer in-process, transitions / floor through HTTP
GOAL_PEERS = {"sqlite": 5.0, "postgresql": 3.0}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 instances, 2 s measurements")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--instances", type=int, default=None, help="default 1000 (quick 300)")
    parser.add_argument("--seconds", type=float, default=None, help="default 5 (quick 2)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    instances = args.instances or (300 if args.quick else 1000)
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    started = time.perf_counter()

    missing = compare.missing_engines()
    if missing:
        print(
            f"peers {', '.join(missing)} skipped (not installed): {compare.INSTALL_HINT}",
            flush=True,
        )
    summary: list[Line] = []
    for kind in kinds:
        print(f"== {kind}: in-process peers", flush=True)
        comparison = compare.compare(kind, instances, args.rounds)
        print("\n".join(compare.report(comparison, instances)), flush=True)
        fokus_rate = comparison.median_rate("fokus")
        summary.append(Line("fokus in-process transitions/s", kind, f"{fokus_rate:.0f}", "", None))
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
                f"({measurement.p('transitions', 0.99):.0f}/{measurement.p('floor', 0.99):.0f})",
                f"<= {http_transitions.GOAL_P99_RATIO:g}×",
                measurement.p99_ratio <= http_transitions.GOAL_P99_RATIO,
            ),
        ]

    print(
        f"\n== summary: medians of {args.rounds} rounds, {instances} instances in-process, "
        f"{seconds:g} s per HTTP measurement, {time.perf_counter() - started:.0f} s in all"
    )
    print(f"  {'figure':<32} {'database':<11} {'value':>18}  {'goal':<9} verdict")
    for line in summary:
        print(line.render())
    if missing:
        print(f"  (without {', '.join(missing)}: {compare.INSTALL_HINT})")


if __name__ == "__main__":
    main()
