"""`transitions`' side: one Machine for the process (the library's way to drive many
models), each case an ORM object; a step loads the case, adds it to the machine in its
stored state, fires the trigger, lets the ORM write state and version (version_id_col:
UPDATE … WHERE version matches), adds a history row and commits."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session
from transitions import Machine

from bench.peers.common import (
    STATES,
    STEPS,
    Case,
    CaseHistory,
    Walk,
    engine_for,
    now,
    seed_cases,
    timed,
)


def machine() -> Machine:
    return Machine(
        model=None,
        states=list(STATES),
        transitions=[{"trigger": t, "source": s, "dest": d} for t, s, d in STEPS],
        initial=STATES[0],
        auto_transitions=False,
    )


def run(url: str, database: str, instances: int) -> Walk:
    process = machine()
    with engine_for(url) as engine:
        ids = seed_cases(engine, instances)

        def walk() -> int:
            count = 0
            for trigger, _source, _dest in STEPS:
                for cid in ids:
                    with Session(engine) as session, session.begin():
                        case = session.get_one(Case, cid)
                        source = case.state
                        process.add_model(case, initial=case.state)
                        try:
                            cast(Any, case).trigger(trigger)  # the machine sets case.state
                        finally:
                            process.remove_model(case)
                        case.updated_at = now()
                        session.add(
                            CaseHistory(
                                case_id=cid,
                                trigger=trigger,
                                from_state=source,
                                to_state=case.state,
                                actor="bench",
                                at=now(),
                            )
                        )
                    count += 1
            return count

        result = timed("transitions", database, instances, walk)
        with Session(engine) as session:
            states = set(session.execute(select(Case.state)).scalars())
        if states != {STEPS[-1][2]}:
            raise RuntimeError(f"transitions: cases ended in {states}")
        return result
