"""fokus beside the engines a team would pick instead (issue 16): the Fokusberatung
(version 1) walked from application to completion, 5 transitions per instance, for
`--instances` instances in this process, by fokus's service layer, SpiffWorkflow, the
`transitions` library with a SQLAlchemy ORM save, and python-statemachine with the same
save. Each engine gets a fresh database per round (a SQLite file in WAL, or a database on
one throw-away PostgreSQL 15) and commits every transition on its own; the rounds
interleave the engines so machine load hits all alike, and the ratios are taken engine by
engine within a round, then the median over the rounds. What each side writes is in
bench/peers/__init__.py and in the output.

    .venv/bin/python bench/peers/compare.py [--database sqlite|postgresql|both]
        [--instances 2000] [--rounds 3] [--profile fokus]

SpiffWorkflow and python-statemachine come with the optional extra (`make install` installs it):
`.venv/bin/pip install -e '.[bench]'`; without it those two are skipped, said so."""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __name__ == "__main__":  # run as a script: the repository, not bench/peers/, on the path
    sys.path[0] = str(ROOT)

from bench.peers import fokus_side, peer_spiff, peer_statemachine, peer_transitions  # noqa: E402
from bench.peers.common import PROFILED, Databases, Walk  # noqa: E402

INSTALL_HINT = "pip install -e '.[bench]' (into .venv: .venv/bin/pip install -e '.[bench]')"

DURABLE = {
    "fokus": "facts for the guards, state, version, deadline, milestones, history, outbox",
    "SpiffWorkflow": "workflow JSON (deserialised + serialised), state, version, history",
    "transitions": "ORM object: state, version (version_id_col), history row",
    "python-statemachine": "ORM object: state, version (version_id_col), history row",
}
MODULES = {"SpiffWorkflow": "SpiffWorkflow", "python-statemachine": "statemachine"}


def missing_engines() -> list[str]:
    """The peers whose library is not installed (the optional extra `bench`)."""
    return [name for name, module in MODULES.items() if importlib.util.find_spec(module) is None]


@dataclass
class Comparison:
    database: str
    rounds: list[dict[str, Walk]]
    skipped: list[str]

    @property
    def engines(self) -> list[str]:
        return list(self.rounds[0]) if self.rounds else []

    def median_rate(self, engine: str) -> float:
        return statistics.median(r[engine].per_second for r in self.rounds)

    def median_cpu_us(self, engine: str) -> float:
        return statistics.median(r[engine].cpu_us for r in self.rounds)

    def ratio(self, engine: str) -> float:
        """fokus / engine in transitions/s, pair by pair within each round, median."""
        return statistics.median(r["fokus"].per_second / r[engine].per_second for r in self.rounds)

    def cpu_ratio(self, engine: str) -> float:
        """engine's CPU per transition / fokus's, pair by pair within each round, median:
        steadier than wall-clock on a busy machine, blind to waiting on the database."""
        return statistics.median(r[engine].cpu_us / r["fokus"].cpu_us for r in self.rounds)

    def fastest_peer(self) -> str | None:
        peers = [e for e in self.engines if e != "fokus"]
        return max(peers, key=self.median_rate) if peers else None


def compare(
    database: str, instances: int, rounds: int, log: Callable[[str], None] = print
) -> Comparison:
    skipped = missing_engines()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fokus-peers-")))
        databases = Databases(database, stack, folder)
        runners: dict[str, Callable[[], Walk]] = {
            "fokus": lambda: fokus_side.run(databases.new("fokus"), folder, database, instances),
            "SpiffWorkflow": lambda: peer_spiff.run(databases.new("spiff"), database, instances),
            "transitions": lambda: peer_transitions.run(
                databases.new("transitions"), database, instances
            ),
            "python-statemachine": lambda: peer_statemachine.run(
                databases.new("statemachine"), database, instances
            ),
        }
        results: list[dict[str, Walk]] = []
        for number in range(1, rounds + 1):
            walks: dict[str, Walk] = {}
            for name, runner in runners.items():
                if name in skipped:
                    continue
                walks[name] = walk = runner()
                log(
                    f"  [{database} round {number}/{rounds}] {name:<20} "
                    f"{walk.per_second:7.0f} transitions/s  {walk.cpu_us:6.0f} µs CPU each"
                )
            results.append(walks)
    return Comparison(database, results, skipped)


def report(comparison: Comparison, instances: int) -> list[str]:
    """The table of one database: per engine its median rate, CPU and fokus/peer ratio."""
    lines = [
        f"In-process, {comparison.database}: {instances} instances × 5 transitions, "
        f"one transaction each, medians of {len(comparison.rounds)} rounds",
        f"  {'engine':<20} {'transitions/s':>13} {'µs CPU/tr.':>11} {'fokus/peer':>10}"
        f" {'(CPU)':>7}  durable work",
    ]
    for engine in comparison.engines:
        ratio = cpu = ""
        if engine != "fokus":
            ratio = f"{comparison.ratio(engine):9.2f}×"
            cpu = f"{comparison.cpu_ratio(engine):6.2f}×"
        lines.append(
            f"  {engine:<20} {comparison.median_rate(engine):13.0f} "
            f"{comparison.median_cpu_us(engine):11.0f} {ratio:>10} {cpu:>7}  {DURABLE[engine]}"
        )
    for name in comparison.skipped:
        lines.append(f"  {name:<20} skipped: not installed; {INSTALL_HINT}")
    lines.append(
        "  fokus/peer: transitions/s of fokus over the peer's; (CPU): the peer's CPU per "
        "transition over fokus's"
    )
    if comparison.database == "postgresql":
        lines.append("  (CPU is this process's; the PostgreSQL server's own CPU is not in it)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="ENGINE",
        help="print a cProfile of this engine's walks (e.g. fokus; figures then include it)",
    )
    args = parser.parse_args()
    PROFILED.update(args.profile)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for kind in kinds:
        comparison = compare(kind, args.instances, args.rounds)
        print("\n".join(report(comparison, args.instances)), flush=True)


if __name__ == "__main__":
    main()
